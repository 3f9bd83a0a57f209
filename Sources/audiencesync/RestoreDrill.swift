import ArgumentParser
import Foundation
import Storage

/// `audiencesync restore-drill`: proves a backup can be restored, without touching the live database
/// (reliability.md Q-16: "restore drill regularly"). Schedule it weekly next to `backup`.
///
/// The backup is copied to a scratch folder and opened exactly as `serve` opens a database after a restore —
/// migrations brought up to this version, `integrity_check` — then its rows are counted table by table beside the
/// live database's, with the backup's age: the data a restore from it would lose (the recovery point).
struct RestoreDrill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore-drill",
        abstract: "Restore a backup into a scratch copy, check it and compare it with the live database.",
        discussion: "Exits non-zero when the backup cannot be opened, does not pass its integrity check, or is missing tables.")
    @OptionGroup var options: GlobalOptions

    @Argument(help: "The backup to try (default: the newest file in <data folder>/backups).")
    var backup: String?

    func run() throws {
        let config = try Settings.load(options)
        let manager = FileManager.default
        guard let file = backup ?? Self.newest(in: config.dataDirectory + "/backups") else {
            throw ValidationError("no backup given and none in \(config.dataDirectory)/backups; take one with `audiencesync backup`")
        }
        guard manager.fileExists(atPath: file) else { throw ValidationError("there is no backup at \(file)") }
        let scratch = manager.temporaryDirectory.appendingPathComponent("audiencesync-restore-drill-\(UUID().uuidString)").path
        try manager.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? manager.removeItem(atPath: scratch) }
        let copy = scratch + "/audiencesync.sqlite"
        try manager.copyItem(atPath: file, toPath: copy)

        let restored: Store
        let integrity: String
        do {
            restored = try Store(path: copy)
            try restored.quickCheck()
            integrity = try restored.integrityCheck()
        } catch {
            throw ValidationError("restore drill failed: \(file) cannot be restored (\(error)); take a new backup and keep an older one")
        }
        let counts = try restored.tableCounts()
        let live = manager.fileExists(atPath: config.databasePath) ? try Store(path: config.databasePath, busyTimeout: Store.toolBusyTimeout).tableCounts() : [:]
        let taken = (try? manager.attributesOfItem(atPath: file)[.modificationDate] as? Date) ?? nil

        print("restore drill: \(file)" + (taken.map { ", taken \(Self.age($0)) ago" } ?? ""))
        print("  integrity \(integrity); \(try restored.appliedMigrations().count) migrations applied")
        print("  " + "table".padding(toLength: 28, withPad: " ", startingAt: 0) + "backup".leftPadded(10) + "live".leftPadded(10))
        for table in Set(counts.keys).union(live.keys).sorted() {
            print("  " + table.padding(toLength: 28, withPad: " ", startingAt: 0)
                  + (counts[table].map(String.init) ?? "missing").leftPadded(10) + (live[table].map(String.init) ?? "–").leftPadded(10))
        }
        let missing = Set(live.keys).subtracting(counts.keys)
        guard integrity == "ok", missing.isEmpty else {
            throw ValidationError("restore drill failed: integrity \(integrity)" + (missing.isEmpty ? "" : "; missing tables \(missing.sorted())"))
        }
        print("restore drill passed")
    }

    /// The most recently written `.sqlite` file in `folder`.
    static func newest(in folder: String) -> String? {
        let manager = FileManager.default
        let files = ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".sqlite") }.map { folder + "/" + $0 }
        return files.max { a, b in
            let date = { (path: String) in (try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast }
            return date(a) < date(b)
        }
    }

    /// "3 h 12 min", "40 s".
    static func age(_ date: Date) -> String {
        let seconds = max(0, Int(Date().timeIntervalSince(date)))
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
