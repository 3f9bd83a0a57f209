import Core
import Foundation
import GRDB

extension Store {
    /// Creates a draft canvas with no criteria (everyone) and no steps.
    public func createCanvas(workspaceID: Int64, name: String, createdBy: Int64, now: Date) throws(StoreError) -> Canvas {
        try write { db in
            try db.execute(sql: "INSERT INTO canvas (workspace_id, name, created_by, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [workspaceID, name, createdBy, now.unix])
            return try Self.fetchCanvas(db, workspaceID: workspaceID, id: db.lastInsertedRowID)!
        }
    }

    /// The workspace's canvases, newest first.
    public func canvases(workspaceID: Int64) throws(StoreError) -> [Canvas] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM canvas WHERE workspace_id = ? ORDER BY created_at DESC, id DESC"), arguments: [workspaceID])
                .map(Self.canvas(from:))
        }
    }

    /// One canvas of the workspace.
    /// - Throws: ``StoreError/notFound`` when it is not this workspace's.
    public func canvas(workspaceID: Int64, id: Int64) throws(StoreError) -> Canvas {
        guard let canvas = try read({ db in try Self.fetchCanvas(db, workspaceID: workspaceID, id: id) }) else { throw .notFound }
        return canvas
    }

    /// Renames a canvas, stores its entry criteria JSON, or its auto-enter switch (nil leaves a value alone).
    public func updateCanvas(workspaceID: Int64, id: Int64, name: String? = nil, entryCriteriaJSON: String? = nil,
                             autoEnter: Bool? = nil) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE canvas SET name = coalesce(?, name), entry_criteria = coalesce(?, entry_criteria), auto_enter = coalesce(?, auto_enter)
                WHERE id = ? AND workspace_id = ?
                """, arguments: [name, entryCriteriaJSON, autoEnter, id, workspaceID])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    /// Moves a canvas between active and stopped, or marks it launched (active, by `userID`, at `now`).
    public func setCanvasStatus(workspaceID: Int64, id: Int64, status: CanvasStatus, launchedBy userID: Int64? = nil,
                                now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE canvas SET status = ?, launched_by = coalesce(?, launched_by),
                    launched_at = CASE WHEN ? IS NOT NULL THEN coalesce(launched_at, ?) ELSE launched_at END
                WHERE id = ? AND workspace_id = ?
                """, arguments: [status.rawValue, userID, userID, now.unix, id, workspaceID])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    /// Stores a canvas's action-based entry setting (nil: off).
    public func setEntryAction(workspaceID: Int64, id: Int64, _ action: EntryAction?) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE canvas SET entry_action = ?, entry_action_name = ? WHERE id = ? AND workspace_id = ?",
                           arguments: [action?.kind, action?.name, id, workspaceID])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    /// Deletes a draft canvas with its steps. Launched canvases are stopped, not deleted.
    public func deleteDraftCanvas(workspaceID: Int64, id: Int64) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM canvas WHERE id = ? AND workspace_id = ? AND status = 'draft'", arguments: [id, workspaceID])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    static func fetchCanvas(_ db: Database, workspaceID: Int64, id: Int64) throws -> Canvas? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM canvas WHERE id = ? AND workspace_id = ?"), arguments: [id, workspaceID]).map(canvas(from:))
    }

    static func canvas(from row: Row) -> Canvas {
        Canvas(id: row["id"], workspaceID: row["workspace_id"], name: row["name"], status: CanvasStatus(rawValue: row["status"]) ?? .draft,
               entryCriteriaJSON: row["entry_criteria"], autoEnter: (row["auto_enter"] as Int64) == 1,
               entryAction: EntryAction(kind: row["entry_action"], name: row["entry_action_name"]), launchedBy: row["launched_by"],
               createdAt: Date(unix: row["created_at"]), launchedAt: (row["launched_at"] as Double?).map(Date.init(unix:)))
    }
}
