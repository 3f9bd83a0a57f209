import Core
import Foundation
import GRDB

/// What deleting a segment did.
public enum SegmentDeletion: Sendable, Equatable {
    /// It is gone.
    case deleted
    /// It was kept: these canvases' entry criteria name it.
    case inUse(canvases: [String])
}

extension Store {
    /// Creates a segment with no filters (everyone).
    /// - Throws: ``StoreError/conflict(_:)`` when the workspace has a segment of that name (in any case).
    public func createSegment(workspaceID: Int64, name: String, createdBy: Int64?, now: Date) throws(StoreError) -> Segment {
        try write { db in
            try db.execute(sql: "INSERT INTO segment (workspace_id, name, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [workspaceID, name, createdBy, now.unix, now.unix])
            return try Self.fetchSegment(db, workspaceID: workspaceID, id: db.lastInsertedRowID)!
        }
    }

    /// The workspace's segments by name.
    public func segments(workspaceID: Int64) throws(StoreError) -> [Segment] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM segment WHERE workspace_id = ? ORDER BY name COLLATE NOCASE, id"), arguments: [workspaceID])
                .map(Self.segment(from:))
        }
    }

    /// One segment of the workspace.
    /// - Throws: ``StoreError/notFound`` when it is not this workspace's.
    public func segment(workspaceID: Int64, id: Int64) throws(StoreError) -> Segment {
        guard let segment = try read({ db in try Self.fetchSegment(db, workspaceID: workspaceID, id: id) }) else { throw .notFound }
        return segment
    }

    /// Renames a segment or replaces its criteria (nil leaves a value alone). New criteria forget the last count:
    /// the list says "counting" until the engine counts again.
    /// - Throws: ``StoreError/notFound``, or ``StoreError/conflict(_:)`` for a name already used.
    public func updateSegment(workspaceID: Int64, id: Int64, name: String? = nil, criteriaJSON: String? = nil, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE segment SET name = coalesce(?, name), criteria = coalesce(?, criteria), updated_at = ?,
                    size = CASE WHEN coalesce(?, criteria) = criteria THEN size END,
                    size_counted_at = CASE WHEN coalesce(?, criteria) = criteria THEN size_counted_at END
                WHERE id = ? AND workspace_id = ?
                """, arguments: [name, criteriaJSON, now.unix, criteriaJSON, criteriaJSON, id, workspaceID])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    /// Deletes a segment unless a canvas's entry criteria name it; the check and the delete are one transaction,
    /// so a canvas cannot start naming it in between.
    public func deleteSegment(workspaceID: Int64, id: Int64) throws(StoreError) -> SegmentDeletion {
        try write { db in
            let users = try String.fetchAll(db.cachedStatement(sql: """
                SELECT c.name FROM canvas c
                WHERE c.workspace_id = ? AND EXISTS (
                    SELECT 1 FROM json_each(c.entry_criteria, '$.groups') AS g, json_each(g.value) AS f
                    WHERE json_extract(f.value, '$.op') IN ('in_segment', 'not_in_segment')
                      AND trim(json_extract(f.value, '$.value')) = ?)
                ORDER BY c.name
                """), arguments: [workspaceID, String(id)])
            guard users.isEmpty else { return .inUse(canvases: users) }
            try db.execute(sql: "DELETE FROM segment WHERE id = ? AND workspace_id = ?", arguments: [id, workspaceID])
            if db.changesCount == 0 { throw StoreError.notFound }
            return .deleted
        }
    }

    /// The criteria of the workspace's segments among `ids`, by id; unreadable or missing ones are left out, so
    /// filters naming them match nobody.
    public func segmentCriteria(workspaceID: Int64, ids: Set<Int64>) throws(StoreError) -> [Int64: EntryCriteria] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            var result: [Int64: EntryCriteria] = [:]
            for id in ids {
                if let json = try String.fetchOne(db.cachedStatement(sql: "SELECT criteria FROM segment WHERE id = ? AND workspace_id = ?"), arguments: [id, workspaceID]),
                   let criteria = try? EntryCriteria(jsonText: json) {
                    result[id] = criteria
                }
            }
            return result
        }
    }

    /// How many of the workspace's profiles meet `criteria` at `now` (one SQL scan; see `CriteriaSQL`).
    public func countProfiles(workspaceID: Int64, matching criteria: EntryCriteria, now: Date) throws(StoreError) -> Int {
        let condition = CriteriaSQL.condition(criteria, now: now)
        return try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM profile AS p WHERE p.workspace_id = ? AND \(condition.sql)",
                             arguments: [workspaceID] + condition.arguments) ?? 0
        }
    }

    /// Up to `limit` of the workspace's profiles that meet `criteria`, newest first, after profile row `before`
    /// (nil: from the newest) — the segment page's sample.
    ///
    /// `+p.workspace_id` keeps SQLite off the (workspace, external id) index: walking rows by id from the newest
    /// stops after `limit` matches, where the index would sort the whole workspace first.
    public func profiles(workspaceID: Int64, matching criteria: EntryCriteria, before: Int64? = nil, limit: Int,
                         now: Date) throws(StoreError) -> [(rowID: Int64, profile: StoredProfile)] {
        let condition = CriteriaSQL.condition(criteria, now: now)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.* FROM profile AS p WHERE +p.workspace_id = ? AND p.id < ? AND \(condition.sql)
                ORDER BY p.id DESC LIMIT ?
                """, arguments: [workspaceID, before ?? Int64.max] + condition.arguments + [limit])
                .map { row in
                    (row["id"], StoredProfile(externalID: row["external_id"], attributesJSON: row["attributes"],
                                              createdAt: Date(unix: row["created_at"]), updatedAt: Date(unix: row["updated_at"])))
                }
        }
    }

    static func fetchSegment(_ db: Database, workspaceID: Int64, id: Int64) throws -> Segment? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM segment WHERE id = ? AND workspace_id = ?"), arguments: [id, workspaceID]).map(segment(from:))
    }

    static func segment(from row: Row) -> Segment {
        Segment(id: row["id"], workspaceID: row["workspace_id"], name: row["name"], criteriaJSON: row["criteria"],
                createdBy: row["created_by"], createdAt: Date(unix: row["created_at"]), updatedAt: Date(unix: row["updated_at"]),
                size: row["size"], sizeCountedAt: (row["size_counted_at"] as Double?).map(Date.init(unix:)))
    }
}
