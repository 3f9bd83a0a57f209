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
        let app = SandboxApp(clientID: config.facebook.clientID, clientSecret: config.facebook.clientSecret, name: "AudienceSync Demo",
                             redirectURIs: [config.redirectURI(for: .facebook)])
        let responder = try SandboxResponder(configuration: SandboxConfiguration(
            databasePath: config.sandboxDatabasePath, publicBaseURL: config.sandboxURL,
            templatesDirectory: config.templatesDirectory, facebookApp: app))
        logger.info("partner sandbox at \(config.sandboxURL)")
        try ServerRunner.run(responder, socket: config.sandboxSocket, threads: 16, maxBodyBytes: config.maxBodyBytes, logger: logger)
    }
}
