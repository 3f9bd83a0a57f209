import Core
import Foundation
import GRDB

/// An API key as the Settings page lists it (never the key itself).
public struct APIKeyRecord: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// A name chosen by the admin.
    public let name: String
    /// The key's first characters.
    public let keyPrefix: String
    /// Who created it (nil if that user was deleted).
    public let createdByEmail: String?
    /// When.
    public let createdAt: Date
    /// When it was revoked, if it was.
    public let revokedAt: Date?
}

extension Store {
    /// Stores a new key's digest for a workspace.
    public func createAPIKey(workspaceID: Int64, name: String, keyHash: String, keyPrefix: String, createdBy: Int64,
                             now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO api_key (workspace_id, name, key_hash, key_prefix, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [workspaceID, name, keyHash, keyPrefix, createdBy, now.unix])
        }
    }

    /// The workspace's keys, newest first.
    public func apiKeys(workspaceID: Int64) throws(StoreError) -> [APIKeyRecord] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT k.*, u.email FROM api_key k LEFT JOIN dashboard_user u ON u.id = k.created_by
                WHERE k.workspace_id = ? ORDER BY k.created_at DESC, k.id DESC
                """), arguments: [workspaceID]).map { row in
                APIKeyRecord(id: row["id"], name: row["name"], keyPrefix: row["key_prefix"], createdByEmail: row["email"],
                             createdAt: Date(unix: row["created_at"]), revokedAt: (row["revoked_at"] as Double?).map(Date.init(unix:)))
            }
        }
    }

    /// Revokes a key of the workspace; revoking twice keeps the first time.
    /// - Throws: ``StoreError/notFound`` when the key is not this workspace's.
    public func revokeAPIKey(workspaceID: Int64, id: Int64, now: Date) throws(StoreError) {
        try write { db in
            let found = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM api_key WHERE id = ? AND workspace_id = ?"), arguments: [id, workspaceID]) ?? 0
            if found == 0 { throw StoreError.notFound }
            try db.execute(sql: "UPDATE api_key SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", arguments: [now.unix, id])
        }
    }

    /// The workspace an active (not revoked) key belongs to, by the key's digest.
    public func workspaceID(apiKeyHash: String) throws(StoreError) -> Int64? {
        try read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT workspace_id FROM api_key WHERE key_hash = ? AND revoked_at IS NULL"),
                               arguments: [apiKeyHash])
        }
    }
}
