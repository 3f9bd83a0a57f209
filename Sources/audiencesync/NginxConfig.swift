import ArgumentParser
import Core
import Foundation

/// `audiencesync nginx-config`: renders `nginx/nginx.conf.template` from the settings, so ports, sockets and
/// partner origins have one source of truth.
struct NginxConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nginx-config", abstract: "Render the nginx configuration.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "The template.") var template = "nginx/nginx.conf.template"
    @Option(help: "Where to write the configuration.") var output: String
    @Option(help: "nginx's prefix folder (logs, temp files, pid).") var prefix: String

    func run() throws {
        let config = try Settings.load(options)
        try Settings.prepareDataDirectory(config)
        let values = NginxTemplate.values(config: config, prefix: absolute(prefix), publicDirectory: absolute(config.publicDirectory),
                                          appSocket: absolute(config.appSocket), sandboxSocket: absolute(config.sandboxSocket))
        let text = try NginxTemplate.render(try String(contentsOfFile: template, encoding: .utf8), values: values)
        for folder in ["logs", "tmp"] { try FileManager.default.createDirectory(atPath: absolute(prefix) + "/" + folder, withIntermediateDirectories: true) }
        try text.write(toFile: output, atomically: true, encoding: .utf8)
    }

    private func absolute(_ path: String) -> String {
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return url.standardizedFileURL.path
    }
}
