import Core
import Foundation
import GRDB

/// Segment sizes for the segment list. Counting a segment is one scan of the workspace's profiles — up to about two
/// seconds on a million (`make bench BENCH=segments`) — so a list of a dozen segments cannot count them all on every
/// view (and page views never write). The engine counts each segment in the background instead: at once after its
/// filters change, then again once its count is older than `SyncSettings.segmentSizeRefresh`; the list shows that
/// count and when it was taken. The segment's own page still counts live.
extension Store {
    /// The workspace and id of up to `limit` segments never counted since their filters changed (first) or counted
    /// before `countedBefore`, oldest count first.
    public func segmentsDueForCount(countedBefore: Date, limit: Int) throws(StoreError) -> [(workspaceID: Int64, id: Int64)] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT workspace_id, id FROM segment WHERE size_counted_at IS NULL OR size_counted_at < ?
                ORDER BY size_counted_at IS NOT NULL, size_counted_at, id LIMIT ?
                """), arguments: [countedBefore.unix, limit]).map { ($0["workspace_id"], $0["id"]) }
        }
    }

    /// Counts a segment's profiles at `now` and keeps the count — unless its filters changed meanwhile, in which
    /// case the count is dropped (the change asked for a new one). Unreadable filters match nobody: 0.
    /// - Returns: the count, or nil when the segment is gone or changed while it was counted.
    @discardableResult
    public func recountSegment(workspaceID: Int64, id: Int64, now: Date) throws(StoreError) -> Int? {
        guard let segment = try read({ db in try Self.fetchSegment(db, workspaceID: workspaceID, id: id) }) else { return nil }
        let size = try segment.criteria.map { criteria throws(StoreError) in try countProfiles(workspaceID: workspaceID, matching: criteria, now: now) } ?? 0
        return try write { db in
            try db.execute(sql: "UPDATE segment SET size = ?, size_counted_at = ? WHERE id = ? AND workspace_id = ? AND criteria = ?",
                           arguments: [size, now.unix, id, workspaceID, segment.criteriaJSON])
            return db.changesCount == 1 ? size : nil
        }
    }
}
