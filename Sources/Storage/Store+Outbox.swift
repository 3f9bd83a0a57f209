import Core
import Foundation
import GRDB

/// One email in the outbox.
public struct OutboxMail: Sendable, Equatable {
    /// Row id (also makes the Message-ID, so a retried send is recognisably the same email).
    public let id: Int64
    /// The workspace it concerns.
    public let workspaceID: Int64
    /// The address.
    public let recipient: String
    /// Subject and text.
    public let subject: String
    /// Plain text.
    public let body: String
    /// The same as HTML, sent beside the text; nil for emails queued before migration 021.
    public let html: String?
    /// When it was queued.
    public let createdAt: Date
    /// queued, sent or failed.
    public let state: String
    /// Delivery attempts so far.
    public let attempts: Int
    /// The SMTP server's last refusal, if any.
    public let lastError: String?
    /// When the SMTP server took it.
    public let sentAt: Date?
}

extension Store {
    /// The workspace's emails, newest first.
    public func outbox(workspaceID: Int64, limit: Int = 100) throws(StoreError) -> [OutboxMail] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM outbox WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"),
                             arguments: [workspaceID, limit]).map(Self.mail(from:))
        }
    }

    /// Queued emails due for a delivery attempt, oldest first.
    public func mailDue(now: Date, limit: Int = 50) throws(StoreError) -> [OutboxMail] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT ?"),
                             arguments: [now.unix, limit]).map(Self.mail(from:))
        }
    }

    /// Records that the SMTP server took an email.
    public func markMailSent(id: Int64, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                           arguments: [now.unix, id])
        }
    }

    /// Records a refused or failed delivery: tried again at `retryAt`, or failed for good when nil.
    public func markMailFailed(id: Int64, error: String, retryAt: Date?) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = coalesce(?, next_attempt_at),
                    state = CASE WHEN ? IS NULL THEN 'failed' ELSE state END WHERE id = ?
                """, arguments: [error, retryAt?.unix, retryAt?.unix, id])
        }
    }

    static func mail(from row: Row) -> OutboxMail {
        OutboxMail(id: row["id"], workspaceID: row["workspace_id"], recipient: row["recipient"], subject: row["subject"], body: row["body"], html: row["html"],
                   createdAt: Date(unix: row["created_at"]), state: row["state"], attempts: row["attempts"], lastError: row["last_error"],
                   sentAt: (row["sent_at"] as Double?).map(Date.init(unix:)))
    }
}

/// An extra recipient chosen on the Notification Preferences page.
public struct NotificationRecipient: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// Which problems.
    public let kind: AlertKind
    /// The address.
    public let email: String
}

extension Store {
    /// The workspace's extra recipients.
    public func notificationRecipients(workspaceID: Int64) throws(StoreError) -> [NotificationRecipient] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, kind, email FROM notification_recipient WHERE workspace_id = ? ORDER BY kind, email"),
                             arguments: [workspaceID]).compactMap { row in
                AlertKind(rawValue: row["kind"]).map { NotificationRecipient(id: row["id"], kind: $0, email: row["email"]) }
            }
        }
    }

    /// Adds a recipient for a kind; adding one twice is a no-op.
    public func addNotificationRecipient(workspaceID: Int64, kind: AlertKind, email: String, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO notification_recipient (workspace_id, kind, email, created_at) VALUES (?, ?, ?, ?)
                """, arguments: [workspaceID, kind.rawValue, email.lowercased(), now.unix])
        }
    }

    /// Removes a recipient of the workspace; another workspace's id is not found.
    public func removeNotificationRecipient(workspaceID: Int64, id: Int64) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM notification_recipient WHERE workspace_id = ? AND id = ?", arguments: [workspaceID, id])
            guard db.changesCount > 0 else { throw StoreError.notFound }
        }
    }
}
