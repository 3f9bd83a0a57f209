import Core
import Foundation
import GRDB

/// A CSV import of profiles: the uploaded file, how far it got, and its counts.
public struct ProfileImport: Sendable, Equatable {
    public let id: Int64
    public let workspaceID: Int64
    /// The file name the browser sent.
    public let filename: String
    /// The stored upload, and the CSV's bytes within it (`start..<end`; the rest is the form's envelope).
    public let path: String
    public let start: Int
    public let end: Int
    /// The column names of the header row.
    public let header: [String]
    public let startedBy: Int64?
    public let startedAt: Date
    public let finishedAt: Date?
    /// `running`, `done` or `failed`.
    public let status: String
    public let error: String?
    /// Where the next row starts, and the line number it has (the header is line 1).
    public let offset: Int
    public let nextLine: Int
    public let rowsImported: Int
    public let rowsRejected: Int
    /// How much of the rejected-rows report is written (a resumed run truncates to it).
    public let rejectsBytes: Int

    /// The rejected-rows report kept beside the upload.
    public var rejectsPath: String { path + ".rejected.csv" }
    /// Rows read so far.
    public var rowsRead: Int { rowsImported + rowsRejected }
    /// How far through the CSV, 0…1.
    public var fraction: Double { end > start ? Double(offset - start) / Double(end - start) : 1 }
}

extension Store {
    /// Records a new import whose header was checked; it runs in the background from `dataStart`.
    public func startImport(workspaceID: Int64, filename: String, path: String, start: Int, end: Int, dataStart: Int, header: [String],
                            startedBy: Int64?, now: Date) throws(StoreError) -> ProfileImport {
        try write { db in
            let headerJSON = JSONText.stringArray(header)
            try db.execute(sql: """
                INSERT INTO profile_import (workspace_id, filename, path, start_offset, end_offset, header, started_by, started_at, offset, next_line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 2)
                """, arguments: [workspaceID, filename, path, start, end, headerJSON, startedBy, now.unix, dataStart])
            return try Self.fetchImport(db, workspaceID: workspaceID, id: db.lastInsertedRowID)!
        }
    }

    /// One import of the workspace.
    /// - Throws: ``StoreError/notFound``.
    public func profileImport(workspaceID: Int64, id: Int64) throws(StoreError) -> ProfileImport {
        guard let found = try read({ db in try Self.fetchImport(db, workspaceID: workspaceID, id: id) }) else { throw .notFound }
        return found
    }

    /// The workspace's imports, newest first.
    public func profileImports(workspaceID: Int64, limit: Int = 50) throws(StoreError) -> [ProfileImport] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM profile_import WHERE workspace_id = ? ORDER BY id DESC LIMIT ?"), arguments: [workspaceID, limit])
                .map(Self.profileImport(from:))
        }
    }

    /// Imports still running (after a restart these resume where their last batch ended).
    public func runningImports() throws(StoreError) -> [ProfileImport] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM profile_import WHERE status = 'running' ORDER BY id")).map(Self.profileImport(from:))
        }
    }

    /// Commits one batch: the valid rows' profiles and the import's position and counts move together, so a
    /// resumed run neither loses nor repeats a row.
    public func recordImportBatch(importID: Int64, workspaceID: Int64, _ updates: [ProfileUpdate], offset: Int, nextLine: Int, rejected: Int,
                                  rejectsBytes: Int, now: Date) throws(StoreError) {
        try write { db in
            try Self.upsertDetectingWithdrawals(db, workspaceID: workspaceID, updates, now: now)
            try db.execute(sql: """
                UPDATE profile_import SET offset = ?, next_line = ?, rows_imported = rows_imported + ?, rows_rejected = rows_rejected + ?,
                    rejects_bytes = ?
                WHERE id = ? AND status = 'running'
                """, arguments: [offset, nextLine, updates.count, rejected, rejectsBytes, importID])
        }
    }

    /// Ends an import.
    public func finishImport(importID: Int64, failed error: String?, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE profile_import SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'",
                           arguments: [error == nil ? "done" : "failed", error, now.unix, importID])
        }
    }

    static func fetchImport(_ db: Database, workspaceID: Int64, id: Int64) throws -> ProfileImport? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM profile_import WHERE id = ? AND workspace_id = ?"), arguments: [id, workspaceID]).map(profileImport(from:))
    }

    static func profileImport(from row: Row) -> ProfileImport {
        let headerText: String = row["header"]
        let header = (try? JSONSerialization.jsonObject(with: Data(headerText.utf8))) as? [String] ?? []
        return ProfileImport(id: row["id"], workspaceID: row["workspace_id"], filename: row["filename"], path: row["path"], start: row["start_offset"],
                             end: row["end_offset"], header: header, startedBy: row["started_by"], startedAt: Date(unix: row["started_at"]),
                             finishedAt: (row["finished_at"] as Double?).map(Date.init(unix:)), status: row["status"], error: row["error"],
                             offset: row["offset"], nextLine: row["next_line"], rowsImported: row["rows_imported"], rowsRejected: row["rows_rejected"],
                             rejectsBytes: row["rejects_bytes"])
    }
}
