import Core
import Foundation
import GRDB

/// What starting an export needs.
public struct NewExport: Sendable {
    public let workspaceID: Int64
    public let segment: Segment
    public let criteria: EntryCriteria
    public let adAccountID: String
    /// One audience per field, with its name, in the form's order.
    public let audiences: [(field: ExportField, name: String)]
    public let startedBy: Int64?

    /// Creates a value.
    public init(workspaceID: Int64, segment: Segment, criteria: EntryCriteria, adAccountID: String,
                audiences: [(field: ExportField, name: String)], startedBy: Int64?) {
        self.workspaceID = workspaceID; self.segment = segment; self.criteria = criteria; self.adAccountID = adAccountID
        self.audiences = audiences; self.startedBy = startedBy
    }
}

/// An email to queue with a state change, in the same transaction.
public struct QueuedMail: Sendable {
    public let recipient: String
    public let subject: String
    /// Sent as plain text with an HTML alternative.
    public let body: MailBody

    /// Creates a value.
    public init(recipient: String, subject: String, body: MailBody) { self.recipient = recipient; self.subject = subject; self.body = body }
}

extension Store {
    /// Starts an export: the snapshot (the newest profile row and how many profiles matched up to it) is read
    /// first, outside the write lock, then the export and its audiences are stored in one transaction.
    public func startExport(_ new: NewExport, now: Date) throws(StoreError) -> SegmentExport {
        let condition = CriteriaSQL.condition(new.criteria, now: now)
        let snapshot: (row: Int64, total: Int) = try read { db in
            let row = try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(id), 0) FROM profile WHERE workspace_id = ?"), arguments: [new.workspaceID]) ?? 0
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM profile AS p WHERE p.workspace_id = ? AND p.id <= ? AND \(condition.sql)",
                                         arguments: [new.workspaceID, row] + condition.arguments) ?? 0
            return (row, total)
        }
        return try write { db in
            try db.execute(sql: """
                INSERT INTO segment_export (workspace_id, segment_id, segment_name, criteria, last_profile_row, ad_account_id, started_by, started_at, total)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [new.workspaceID, new.segment.id, new.segment.name, new.criteria.jsonText(), snapshot.row, new.adAccountID,
                                 new.startedBy, now.unix, snapshot.total])
            let id = db.lastInsertedRowID
            for (position, audience) in new.audiences.enumerated() {
                try db.execute(sql: "INSERT INTO segment_export_audience (export_id, position, field, name) VALUES (?, ?, ?, ?)",
                               arguments: [id, position, audience.field.rawValue, audience.name])
            }
            return try Self.fetchExport(db, workspaceID: new.workspaceID, id: id)!
        }
    }

    /// One export of the workspace.
    /// - Throws: ``StoreError/notFound`` when it is not this workspace's.
    public func export(workspaceID: Int64, id: Int64) throws(StoreError) -> SegmentExport {
        guard let export = try read({ db in try Self.fetchExport(db, workspaceID: workspaceID, id: id) }) else { throw .notFound }
        return export
    }

    /// A segment's exports, newest first.
    public func exports(workspaceID: Int64, segmentID: Int64) throws(StoreError) -> [SegmentExport] {
        try read { db in
            try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM segment_export WHERE workspace_id = ? AND segment_id = ? ORDER BY started_at DESC, id DESC"),
                               arguments: [workspaceID, segmentID])
                .compactMap { try Self.fetchExport(db, workspaceID: workspaceID, id: $0) }
        }
    }

    /// Every export still running, oldest first (after a restart, these resume).
    public func runningExports() throws(StoreError) -> [SegmentExport] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, workspace_id FROM segment_export WHERE status = 'running' ORDER BY id"))
                .compactMap { try Self.fetchExport(db, workspaceID: $0["workspace_id"], id: $0["id"]) }
        }
    }

    /// Records the Facebook audience created for one field.
    public func recordExportAudience(exportID: Int64, field: ExportField, audienceID: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE segment_export_audience SET audience_id = ? WHERE export_id = ? AND field = ?",
                           arguments: [audienceID, exportID, field.rawValue])
        }
    }

    /// Records one acknowledged batch: the cursor moves past it and the counts grow together, so a restart
    /// resumes after the last acknowledged batch and never sends it again.
    public func recordExportBatch(exportID: Int64, field: ExportField, cursor: Int64, sent: Int, skipped: Int, failed: Int,
                                  skippedNoConsent: Int = 0, complete: Bool) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE segment_export_audience SET cursor = max(cursor, ?), sent = sent + ?, skipped = skipped + ?, failed = failed + ?,
                    skipped_no_consent = skipped_no_consent + ?, complete = max(complete, ?)
                WHERE export_id = ? AND field = ?
                """, arguments: [cursor, sent, skipped, failed, skippedNoConsent, complete, exportID, field.rawValue])
        }
    }

    /// Ends an export (done or failed) and queues the starter's email in the same transaction: the email is
    /// sent exactly when the outcome is recorded.
    public func finishExport(exportID: Int64, workspaceID: Int64, status: ExportStatus, error: String?, mail: QueuedMail?, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE segment_export SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'running'",
                           arguments: [status.rawValue, error, now.unix, exportID])
            guard db.changesCount == 1, let mail else { return }
            try db.execute(sql: "INSERT INTO outbox (workspace_id, recipient, subject, body, html, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [workspaceID, mail.recipient, mail.subject, mail.body.text, mail.body.html, now.unix])
        }
    }

    /// Up to `limit` profiles meeting `criteria` with rows after `after` and up to `through`, oldest first: the
    /// export's next batch. Activity filters count back from `asOf` (the export's start, so every batch reads the
    /// same windows as its snapshot count).
    public func profiles(workspaceID: Int64, matching criteria: EntryCriteria, after: Int64, through: Int64,
                         limit: Int, asOf: Date) throws(StoreError) -> [(rowID: Int64, profile: StoredProfile)] {
        let condition = CriteriaSQL.condition(criteria, now: asOf)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.* FROM profile AS p WHERE +p.workspace_id = ? AND p.id > ? AND p.id <= ? AND \(condition.sql)
                ORDER BY p.id LIMIT ?
                """, arguments: [workspaceID, after, through] + condition.arguments + [limit])
                .map { row in
                    (row["id"], StoredProfile(externalID: row["external_id"], attributesJSON: row["attributes"],
                                              createdAt: Date(unix: row["created_at"]), updatedAt: Date(unix: row["updated_at"])))
                }
        }
    }

    static func fetchExport(_ db: Database, workspaceID: Int64, id: Int64) throws -> SegmentExport? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM segment_export WHERE id = ? AND workspace_id = ?"), arguments: [id, workspaceID]) else {
            return nil
        }
        let audiences = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM segment_export_audience WHERE export_id = ? ORDER BY position"), arguments: [id])
            .compactMap { row -> ExportAudience? in
                guard let field = ExportField(rawValue: row["field"]) else { return nil }
                return ExportAudience(field: field, name: row["name"], audienceID: row["audience_id"], cursor: row["cursor"], sent: row["sent"],
                                      skipped: row["skipped"], failed: row["failed"], skippedNoConsent: row["skipped_no_consent"],
                                      isComplete: row["complete"])
            }
        return SegmentExport(id: id, workspaceID: row["workspace_id"], segmentID: row["segment_id"], segmentName: row["segment_name"],
                             criteriaJSON: row["criteria"], lastProfileRow: row["last_profile_row"], adAccountID: row["ad_account_id"],
                             startedBy: row["started_by"], startedAt: Date(unix: row["started_at"]),
                             finishedAt: (row["finished_at"] as Double?).map(Date.init(unix:)), status: ExportStatus(rawValue: row["status"]) ?? .failed,
                             error: row["error"], total: row["total"], audiences: audiences)
    }
}
