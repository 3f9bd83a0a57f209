import Core
import Foundation
import GRDB

extension Store {
    /// Creates a dashboard user, creating the workspace too when no workspace has that name.
    ///
    /// When `replaceExisting` is true and the email already belongs to a user of the same workspace, that
    /// user's password and role are replaced instead (what `make run` needs to be safe to run twice).
    /// - Returns: the user as stored.
    /// - Throws: ``StoreError/conflict(_:)`` when the email is taken (by another workspace, or at all when not replacing).
    public func createUser(workspaceName: String, email: String, passwordHash: String, role: Role,
                           replaceExisting: Bool = false, now: Date) throws(StoreError) -> DashboardUser {
        try write { db in
            let workspaceID = try ensureWorkspace(db, name: workspaceName, now: now)
            if let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, workspace_id FROM dashboard_user WHERE email = ?"), arguments: [email]) {
                guard replaceExisting, existing["workspace_id"] as Int64 == workspaceID else {
                    throw StoreError.conflict("a user with this email already exists")
                }
                try db.execute(sql: "UPDATE dashboard_user SET password_hash = ?, role = ? WHERE id = ?",
                               arguments: [passwordHash, role.rawValue, existing["id"] as Int64])
                try db.execute(sql: "DELETE FROM session WHERE user_id = ?", arguments: [existing["id"] as Int64])
            } else {
                try db.execute(sql: """
                    INSERT INTO dashboard_user (workspace_id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [workspaceID, email, passwordHash, role.rawValue, now.unix])
            }
            return try Self.fetchUser(db, sql: "SELECT * FROM dashboard_user WHERE email = ?", [email])!
        }
    }

    /// The user with this (normalized) email, if any.
    public func user(email: String) throws(StoreError) -> DashboardUser? {
        try read { db in try Self.fetchUser(db, sql: "SELECT * FROM dashboard_user WHERE email = ?", [email]) }
    }

    /// The user with this id, if any.
    public func user(id: Int64) throws(StoreError) -> DashboardUser? {
        try read { db in try Self.fetchUser(db, sql: "SELECT * FROM dashboard_user WHERE id = ?", [id]) }
    }

    /// The workspace with this id, if any.
    public func workspace(id: Int64) throws(StoreError) -> Workspace? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, name FROM workspace WHERE id = ?"), arguments: [id])
                .map { Workspace(id: $0["id"], name: $0["name"]) }
        }
    }

    /// The workspace with this name, if any.
    public func workspace(named name: String) throws(StoreError) -> Workspace? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, name FROM workspace WHERE name = ?"), arguments: [name])
                .map { Workspace(id: $0["id"], name: $0["name"]) }
        }
    }

    /// Every user of a workspace, admins first, then by email.
    public func users(workspaceID: Int64) throws(StoreError) -> [DashboardUser] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM dashboard_user WHERE workspace_id = ? ORDER BY role = 'member', email"),
                             arguments: [workspaceID]).map(Self.user(from:))
        }
    }

    /// Deletes a user of a workspace; their sessions go with them, and what they connected or launched stays
    /// (alerts about it then go to the workspace's admins).
    public func deleteUser(workspaceID: Int64, id: Int64) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM dashboard_user WHERE workspace_id = ? AND id = ?", arguments: [workspaceID, id])
            guard db.changesCount > 0 else { throw StoreError.notFound }
        }
    }

    private func ensureWorkspace(_ db: Database, name: String, now: Date) throws -> Int64 {
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM workspace WHERE name = ?"), arguments: [name]) { return id }
        try db.execute(sql: "INSERT INTO workspace (name, created_at) VALUES (?, ?)", arguments: [name, now.unix])
        return db.lastInsertedRowID
    }

    static func fetchUser(_ db: Database, sql: String, _ arguments: StatementArguments) throws -> DashboardUser? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments).map(user(from:))
    }

    static func user(from row: Row) -> DashboardUser {
        DashboardUser(id: row["id"], workspaceID: row["workspace_id"], email: row["email"], passwordHash: row["password_hash"],
                      role: Role(rawValue: row["role"]) ?? .member)
    }
}
