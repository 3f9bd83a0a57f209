import Core
import Foundation
import GRDB

/// An alert as stored: the problem, and when it started and cleared.
public struct AlertRecord: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// The problem.
    public let alert: Alert
    /// When it started.
    public let openedAt: Date
    /// When it cleared, if it has.
    public let clearedAt: Date?
}

extension Store {
    /// Opens `alert` unless the same problem is already open, and queues its email to each recipient in the same
    /// transaction, so a problem is told once however many batches hit it (and a crash cannot tell it twice; the
    /// partial unique index settles a race between two writers).
    /// - Returns: whether the alert is new.
    @discardableResult
    public func raiseAlert(_ alert: Alert, now: Date) throws(StoreError) -> Bool {
        // Read first: a waiting step reports its problem on every pass, and an open alert needs no write lock.
        let open = try read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM alert WHERE key = ? AND cleared_at IS NULL"), arguments: [alert.key]) ?? false
        }
        guard !open else { return false }
        return try write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO alert (workspace_id, key, kind, subject_id, error_class, title, detail, link, opened_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [alert.workspaceID, alert.key, alert.kind.rawValue, alert.subjectID, alert.errorClass, alert.title,
                                 alert.detail, alert.link, now.unix])
            guard db.changesCount > 0 else { return false }
            try Self.queueMail(db, AlertMail.opened(alert), alert: alert, alertID: db.lastInsertedRowID, now: now)
            return true
        }
    }

    /// Clears the open alerts of one subject (a step, or a connection) — it works again — and queues the
    /// "resolved" email of each. Reads first, so the common case (nothing open) takes no write lock.
    /// - Returns: how many alerts cleared.
    /// A sign-in about to expire (`token_expiring`) is not over because calls work: only a new connection (reconnect)
    /// or `including: token_expiring` clears it.
    @discardableResult
    public func clearAlerts(_ kind: AlertKind, subjectID: Int64, now: Date, includingExpiry: Bool = false) throws(StoreError) -> Int {
        let open = try read { db in
            try Int.fetchOne(db.cachedStatement(sql: """
                SELECT count(*) FROM alert WHERE cleared_at IS NULL AND kind = ? AND subject_id = ? AND (? OR error_class != 'token_expiring')
                """), arguments: [kind.rawValue, subjectID, includingExpiry]) ?? 0
        }
        guard open > 0 else { return 0 }
        return try write { db in try Self.clearAlerts(db, kind, subjectID: subjectID, now: now, includingExpiry: includingExpiry) }
    }

    static func clearAlerts(_ db: Database, _ kind: AlertKind, subjectID: Int64, now: Date, includingExpiry: Bool = false) throws -> Int {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            UPDATE alert SET cleared_at = ? WHERE cleared_at IS NULL AND kind = ? AND subject_id = ?
                AND (? OR error_class != 'token_expiring') RETURNING *
            """), arguments: [now.unix, kind.rawValue, subjectID, includingExpiry])
        for row in rows {
            let record = Self.alertRecord(from: row)
            try Self.queueMail(db, AlertMail.cleared(record.alert), alert: record.alert, alertID: record.id, now: now)
        }
        return rows.count
    }

    /// The workspace's alerts, open ones first, then the most recent.
    public func alerts(workspaceID: Int64, limit: Int = 100) throws(StoreError) -> [AlertRecord] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM alert WHERE workspace_id = ? ORDER BY cleared_at IS NOT NULL, opened_at DESC, id DESC LIMIT ?
                """), arguments: [workspaceID, limit]).map(Self.alertRecord(from:))
        }
    }

    /// Who hears about an alert: the connector (integration), launcher (step) or exporter (export) if that user still exists, else
    /// the workspace's admins; plus whoever the admins added for its kind. Lower-case, each once.
    static func recipients(_ db: Database, for alert: Alert) throws -> [String] {
        let owner: String? = switch alert.kind {
        case .integration:
            try String.fetchOne(db.cachedStatement(sql: "SELECT u.email FROM connection c JOIN dashboard_user u ON u.id = c.connected_by WHERE c.id = ?"),
                                arguments: [alert.subjectID])
        case .step:
            try String.fetchOne(db.cachedStatement(sql: """
                SELECT u.email FROM canvas_step s JOIN canvas c ON c.id = s.canvas_id JOIN dashboard_user u ON u.id = c.launched_by
                WHERE s.id = ?
                """), arguments: [alert.subjectID])
        case .export:
            try String.fetchOne(db.cachedStatement(sql: "SELECT u.email FROM segment_export e JOIN dashboard_user u ON u.id = e.started_by WHERE e.id = ?"),
                                arguments: [alert.subjectID])
        }
        let admins = try String.fetchAll(db.cachedStatement(sql: "SELECT email FROM dashboard_user WHERE workspace_id = ? AND role = 'admin' ORDER BY id"),
                                         arguments: [alert.workspaceID])
        let fallback = owner.map { [$0] } ?? admins
        let chosen = try String.fetchAll(db.cachedStatement(sql: "SELECT email FROM notification_recipient WHERE workspace_id = ? AND kind = ? ORDER BY id"),
                                         arguments: [alert.workspaceID, alert.kind.rawValue])
        var seen = Set<String>()
        return (fallback + chosen).filter { seen.insert($0).inserted }
    }

    private static func queueMail(_ db: Database, _ mail: AlertMail, alert: Alert, alertID: Int64, now: Date) throws {
        for recipient in try recipients(db, for: alert) {
            try db.execute(sql: """
                INSERT INTO outbox (workspace_id, alert_id, recipient, subject, body, html, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [alert.workspaceID, alertID, recipient, mail.subject, mail.body.text, mail.body.html, now.unix])
        }
    }

    static func alertRecord(from row: Row) -> AlertRecord {
        AlertRecord(id: row["id"],
                    alert: Alert(kind: AlertKind(rawValue: row["kind"]) ?? .step, workspaceID: row["workspace_id"], subjectID: row["subject_id"],
                                 errorClass: row["error_class"], title: row["title"], detail: row["detail"], link: row["link"]),
                    openedAt: Date(unix: row["opened_at"]), clearedAt: (row["cleared_at"] as Double?).map(Date.init(unix:)))
    }
}
