import Foundation

/// Runs the built `audiencesync hash` as a reviewer would.
enum HashCLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// A new data folder's path (not created) and an environment pointing `audiencesync` at it and at no settings
    /// file, without any AUDIENCESYNC_ setting of the caller's.
    static func dataFolder(_ label: String) -> (folder: String, environment: [String: String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)").path
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AUDIENCESYNC_") }
        environment["AUDIENCESYNC_DATA_DIR"] = folder
        environment["AUDIENCESYNC_CONFIG"] = folder + "/none.env"
        return (folder, environment)
    }

    /// `audiencesync` next to the test bundle in the build folder, else under `.build/debug` of this package.
    static let executable: URL = {
        let beside = Bundle.main.bundleURL.appendingPathComponent("audiencesync")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug/audiencesync")
    }()

    /// Runs `audiencesync hash` with `arguments`, `input` on standard input. Files, not pipes, carry the streams, so
    /// a large output can never block the child while the test waits.
    static func run(_ arguments: [String], input: String) throws -> Result {
        try run(command: "hash", arguments, input: input)
    }

    /// Runs `audiencesync <command>` with `arguments`; `environment` replaces the inherited one when given.
    static func run(command: String, _ arguments: [String], input: String = "", environment: [String: String]? = nil) throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hashcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stdin = folder.appendingPathComponent("in"), stdout = folder.appendingPathComponent("out"), stderr = folder.appendingPathComponent("err")
        try Data(input.utf8).write(to: stdin)
        try Data().write(to: stdout)
        try Data().write(to: stderr)

        let process = Process()
        process.executableURL = executable
        process.arguments = [command] + arguments
        if let environment { process.environment = environment }
        process.standardInput = try FileHandle(forReadingFrom: stdin)
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        // A command that should have refused to start would otherwise hang the suite.
        let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOf: stdout, encoding: .utf8),
                      stderr: try String(contentsOf: stderr, encoding: .utf8))
    }
}
