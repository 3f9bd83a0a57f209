import ArgumentParser
import Foundation
import Storage

/// `audiencesync backup`: an online, consistent copy of the database, safe while `serve` runs (reliability.md Q-16).
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the live database to a new file, checked with integrity_check.",
        discussion: """
            Restore: stop the app, replace the data folder's audiencesync.sqlite with the backup (and delete its -wal \
            and -shm files), start again.
            """)
    @OptionGroup var options: GlobalOptions

    @Argument(help: "The new file (default: <data folder>/backups/audiencesync-<UTC time>.sqlite). Never overwritten.")
    var destination: String?

    func run() throws {
        let config = try Settings.load(options)
        guard FileManager.default.fileExists(atPath: config.databasePath) else {
            throw ValidationError("there is no database at \(config.databasePath) to back up")
        }
        let target = destination ?? Self.defaultDestination(dataDirectory: config.dataDirectory)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let store = try Store(path: config.databasePath, busyTimeout: Store.toolBusyTimeout)
        let summary = try store.backup(to: target)
        print("backup \(summary.path): \(summary.bytes) bytes, integrity \(summary.integrity)")
    }

    static func defaultDestination(dataDirectory: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(dataDirectory)/backups/audiencesync-\(formatter.string(from: Date())).sqlite"
    }
}
