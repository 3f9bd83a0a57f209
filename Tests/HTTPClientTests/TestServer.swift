import Foundation
import HTTPClient

/// Runs Tests/Fixtures/http_echo_server.py on a free loopback port for one test.
/// Each test gets its own instance so `/stats` and `peer_port` observations never mix.
final class TestServer {
    let port: Int
    private let process: Process
    private let input = Pipe()

    init() throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/http_echo_server.py")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = input  // the server exits on EOF, so it can never outlive us
        try process.run()
        port = try Self.readPort(from: output.fileHandleForReading)
    }

    deinit {
        stop()
    }

    /// Terminates the server; safe to call more than once.
    func stop() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    /// Absolute URL for a path on this server, e.g. `url("/echo?x=1")`.
    func url(_ pathAndQuery: String) -> String {
        "http://127.0.0.1:\(port)\(pathAndQuery)"
    }

    /// The server prints its port as the first stdout line once it is listening.
    private static func readPort(from handle: FileHandle) throws -> Int {
        var bytes = Data()
        while !bytes.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw TestServerError.noPort }
            bytes.append(chunk)
        }
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? ""
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else { throw TestServerError.noPort }
        return port
    }
}

enum TestServerError: Error {
    case noPort
    case notJSON
}

/// Decodes a JSON object body (the server's `/echo` and `/stats` replies).
func jsonObject(_ response: HTTPResponse) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
        throw TestServerError.notJSON
    }
    return object
}

/// The headers the server saw, from an `/echo` reply.
func receivedHeaders(_ echo: [String: Any]) -> [String: String] {
    echo["headers"] as? [String: String] ?? [:]
}
