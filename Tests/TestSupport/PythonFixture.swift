import Foundation

/// A Python fixture server from `Tests/Fixtures/` on a free loopback port: started with the project's test venv
/// when it exists (it has aiosmtpd), else `python3`; the script prints its port as its first line; it exits when
/// its standard input closes, so it never outlives the test.
public final class PythonFixture {
    /// The port the fixture listens on.
    public let port: Int
    private let process = Process()
    private let input = Pipe()

    /// Starts `Tests/Fixtures/<script>` with `arguments`.
    public init(script: String, arguments: [String] = []) throws {
        let path = ProjectPaths.root + "/Tests/Fixtures/" + script
        let venvPython = ProjectPaths.root + "/.venv-test/bin/python"
        if FileManager.default.isExecutableFile(atPath: venvPython) {
            process.executableURL = URL(fileURLWithPath: venvPython)
            process.arguments = [path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", path] + arguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = input
        try process.run()
        port = try Self.readPort(from: output.fileHandleForReading)
    }

    deinit { stop() }

    /// Stops the fixture; safe to call more than once.
    public func stop() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    private static func readPort(from handle: FileHandle) throws -> Int {
        var bytes = Data()
        while !bytes.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw PythonFixtureError.noPort }
            bytes.append(chunk)
        }
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? ""
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else { throw PythonFixtureError.noPort }
        return port
    }
}

/// The fixture did not print its port.
public enum PythonFixtureError: Error {
    case noPort
}
