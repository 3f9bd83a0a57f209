import Foundation
import GRDB

/// What a finished backup holds.
public struct BackupSummary: Sendable, Equatable {
    /// The backup file.
    public let path: String
    /// Its size on disk.
    public let bytes: Int
    /// `PRAGMA integrity_check` of the copy ("ok" for a usable backup).
    public let integrity: String
}

/// The connection settings that decide what survives a crash or a power cut (reliability.md Q-2).
public struct DurabilitySettings: Sendable, Equatable {
    /// `PRAGMA journal_mode` ("wal").
    public let journalMode: String
    /// `PRAGMA synchronous` of the writer connection: 2 is FULL, 1 NORMAL.
    public let synchronous: Int
}

extension Store {
    /// Rows per table (SQLite's own tables left out), read in one snapshot: what a restore drill compares.
    public func tableCounts() throws(StoreError) -> [String: Int] {
        try read { db in
            let tables = try String.fetchAll(db.cachedStatement(sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'"))
            var counts: [String: Int] = [:]
            for table in tables { counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table)\"") ?? 0 }
            return counts
        }
    }

    /// Copies the live database to `destination` while the app keeps running (reliability.md Q-16).
    ///
    /// SQLite's online backup API reads one consistent snapshot from a reader connection, so writers are not blocked
    /// and the copy never holds half a transaction — unlike `cp`, which can tear a page the writer is changing. The copy
    /// is written beside the destination, checked with `integrity_check`, synced and only then renamed into place, so
    /// a crash mid-backup leaves no file that looks like a good backup.
    /// - Throws: ``StoreError/conflict(_:)`` when `destination` exists (a backup never overwrites another);
    ///   ``StoreError/unavailable(_:)`` when the copy cannot be written or fails its check.
    public func backup(to destination: String) throws(StoreError) -> BackupSummary {
        let manager = FileManager.default
        guard !manager.fileExists(atPath: destination) else {
            throw .conflict("\(destination) already exists; choose a new name so no earlier backup is overwritten")
        }
        let partial = destination + ".partial"
        for leftover in [partial, partial + "-wal", partial + "-shm"] { try? manager.removeItem(atPath: leftover) }
        let integrity: String
        do {
            let copy = try DatabaseQueue(path: partial)
            try pool.backup(to: copy)
            integrity = try copy.read { db in try String.fetchOne(db.cachedStatement(sql: "PRAGMA integrity_check")) ?? "" }
            try copy.close()
        } catch {
            try? manager.removeItem(atPath: partial)
            throw .unavailable("backup to \(destination) failed: \(error)")
        }
        guard integrity == "ok" else {
            try? manager.removeItem(atPath: partial)
            throw .unavailable("backup to \(destination) failed its integrity check: \(integrity)")
        }
        do {
            try Self.syncFile(partial)
            try manager.moveItem(atPath: partial, toPath: destination)
        } catch {
            try? manager.removeItem(atPath: partial)
            throw .unavailable("backup to \(destination) could not be finished: \(error)")
        }
        let bytes = (try? manager.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
        return BackupSummary(path: destination, bytes: bytes, integrity: integrity)
    }

    /// The journal mode and the writer's `synchronous` level, read from the connections the app actually uses.
    public func durabilitySettings() throws(StoreError) -> DurabilitySettings {
        do {
            return try pool.writeWithoutTransaction { db in
                DurabilitySettings(journalMode: try String.fetchOne(db.cachedStatement(sql: "PRAGMA journal_mode")) ?? "",
                                   synchronous: try Int.fetchOne(db.cachedStatement(sql: "PRAGMA synchronous")) ?? -1)
            }
        } catch {
            throw StoreError.from(error)
        }
    }

    private static func syncFile(_ path: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.synchronize()
    }
}
