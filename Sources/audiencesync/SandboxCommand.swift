import ArgumentParser
import Core
import FastCGI
import Foundation
import Logging
import Sandbox

/// `audiencesync sandbox`: the partner emulator, served by nginx on its own port.
struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox", abstract: "Run the partner sandbox (FastCGI behind nginx).")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        Settings.bootstrapLogging()
        let logger = Logger(label: "audiencesync.sandbox")
        let config = try Settings.load(options)
        try Settings.prepareDataDirectory(config)
        SignalWaiter.blockShutdownSignals()
        // Each emulated partner knows this installation's app: its client id, secret and one redirect URI.
        var apps: [String: SandboxApp] = [:]
        for (partner, endpoints) in config.partners {
            apps[partner.rawValue] = SandboxApp(clientID: endpoints.clientID, clientSecret: endpoints.clientSecret, name: "AudienceSync Demo",
                                                redirectURIs: [config.redirectURI(for: partner)])
        }
        let responder = try SandboxResponder(configuration: SandboxConfiguration(
            databasePath: config.sandboxDatabasePath, publicBaseURL: config.sandboxURL,
            templatesDirectory: config.templatesDirectory, facebookApp: apps["facebook"]!, apps: apps))
        logger.info("partner sandbox at \(config.sandboxURL)")
        try ServerRunner.run(responder, socket: config.sandboxSocket, threads: 16, maxBodyBytes: config.maxBodyBytes, logger: logger)
    }
}
