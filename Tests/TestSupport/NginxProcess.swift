import Core
import Foundation

/// A real nginx, configured from the project's own template, in front of FastCGI sockets of a test.
public final class NginxProcess: Sendable {
    /// The dashboard port.
    public let httpPort: Int
    /// The sandbox port.
    public let sandboxPort: Int
    /// nginx's prefix folder (logs under `logs/`).
    public let prefix: String
    private let process: Process

    /// Renders `nginx/nginx.conf.template` for the given sockets and starts nginx in the foreground.
    public init(appSocket: String, sandboxSocket: String, baseURL: String? = nil) throws {
        prefix = ProjectPaths.temporaryDirectory("nginx")
        httpPort = ProjectPaths.freePort()
        sandboxPort = ProjectPaths.freePort()
        let config = try AppConfig.load(environment: [
            "AUDIENCESYNC_HTTP_PORT": String(httpPort), "AUDIENCESYNC_SANDBOX_PORT": String(sandboxPort),
            "AUDIENCESYNC_BASE_URL": baseURL ?? "http://127.0.0.1:\(httpPort)",
            "AUDIENCESYNC_SANDBOX_URL": "http://127.0.0.1:\(sandboxPort)",
        ])
        let values = NginxTemplate.values(config: config, prefix: prefix, publicDirectory: ProjectPaths.publicFiles,
                                          appSocket: appSocket, sandboxSocket: sandboxSocket)
        let text = try NginxTemplate.render(try String(contentsOfFile: ProjectPaths.nginxTemplate, encoding: .utf8), values: values)
        for folder in ["logs", "tmp"] { try FileManager.default.createDirectory(atPath: prefix + "/" + folder, withIntermediateDirectories: true) }
        try text.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-c", prefix + "/nginx.conf", "-p", prefix]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        for _ in 0..<100 {
            if ProjectPaths.isListening(httpPort) && ProjectPaths.isListening(sandboxPort) { break }
            usleep(50_000)
        }
        guard ProjectPaths.isListening(httpPort) else { throw NginxError.didNotStart(prefix) }
    }

    /// The dashboard's base URL.
    public var appURL: String { "http://127.0.0.1:\(httpPort)" }
    /// The sandbox's base URL.
    public var sandboxURL: String { "http://127.0.0.1:\(sandboxPort)" }

    /// Stops nginx.
    public func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    deinit { stop() }
}

/// nginx could not be started.
public enum NginxError: Error, CustomStringConvertible {
    case didNotStart(String)
    public var description: String {
        switch self { case .didNotStart(let prefix): "nginx did not start; see \(prefix)/logs/error.log" }
    }
}

/// Runs `curl` and returns its output: a second, independent HTTP client for socket-level tests.
public enum Curl {
    /// `curl -s` with `arguments`; returns standard output.
    @discardableResult
    public static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "20"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
