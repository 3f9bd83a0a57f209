import Core
import Foundation
import Logging

/// Loads the installation's settings: environment first, then the settings file, then defaults.
enum Settings {
    static func load(_ options: GlobalOptions) throws -> AppConfig {
        let environment = ProcessInfo.processInfo.environment
        let path = options.config ?? environment["AUDIENCESYNC_CONFIG"] ?? "./audiencesync.env"
        var file: [String: String] = [:]
        if FileManager.default.fileExists(atPath: path) {
            file = try AppConfig.parseSettingsFile(try String(contentsOfFile: path, encoding: .utf8))
        } else if options.config != nil {
            throw SettingsError.missingFile(path)
        }
        return try AppConfig.load(environment: environment, fileSettings: file)
    }

    /// Logs to standard error at `AUDIENCESYNC_LOG_LEVEL` (default info).
    static func bootstrapLogging() {
        let level = ProcessInfo.processInfo.environment["AUDIENCESYNC_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Creates the data folder and its `run/` folder for sockets, and refuses a data folder or database that cannot
    /// be written: SQLite would open it read-only without a word, and the app would come up unable to keep anything
    /// (a read-only mount after a disk error, or wrong ownership).
    static func prepareDataDirectory(_ config: AppConfig) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        for socket in [config.appSocket, config.sandboxSocket] {
            try manager.createDirectory(atPath: (socket as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        for path in [config.dataDirectory, config.databasePath] where manager.fileExists(atPath: path) && !manager.isWritableFile(atPath: path) {
            throw SettingsError.notWritable(path)
        }
    }
}

enum SettingsError: Error, CustomStringConvertible {
    case missingFile(String)
    case notWritable(String)
    var description: String {
        switch self {
        case .missingFile(let path): "settings file \(path) does not exist"
        case .notWritable(let path):
            "\(path) cannot be written (a read-only file system, or its owner or permissions): AudienceSync keeps its database there "
                + "and will not start without writing it. Make it writable and start again."
        }
    }
}
