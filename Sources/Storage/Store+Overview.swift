import Core
import Foundation
import GRDB

/// A workspace's sync figures per hour over a window, across every step of every canvas (the overview's sparklines).
public struct WorkspaceActivity: Sendable, Equatable {
    /// Users the partners took, per hour.
    public var synced: [Int]
    /// Users kept back (no field, invalid value, no consent, erased), per hour.
    public var notSynced: [Int]
    /// Users given up on, per hour.
    public var errored: [Int]
    /// Users queued for a partner, per hour (what became Pending).
    public var queued: [Int]
    /// Users waiting to sync now.
    public var pendingNow: Int
}

/// A step whose waiting users carry a problem the engine noted (`markWaiting`, a retried failure): users stuck until
/// someone fixes the cause or the retry deadline passes.
public struct StuckStep: Sendable, Equatable {
    /// The canvas.
    public let canvasID: Int64
    /// The canvas's name.
    public let canvasName: String
    /// The step.
    public let stepID: Int64
    /// The problem's class (`auth_invalid`, `terms_not_accepted`, `throttled`…).
    public let errorClass: String
    /// The last message the partner (or the engine) gave.
    public let message: String
    /// How many pending users wait on it.
    public let count: Int
}

/// One canvas's figures for the canvas list.
public struct CanvasListFigures: Sendable, Equatable {
    /// Users who entered the canvas (its first step's Entered).
    public var entered = 0
    /// Users the partners took, all time.
    public var synced = 0
    /// Users waiting to sync now.
    public var pending = 0
    /// Users given up on, all time.
    public var errored = 0
    /// Users the partners took since the window's start.
    public var syncedRecently = 0

    /// Creates empty figures (a canvas without steps or activity).
    public init() {}
}

extension Store {
    /// The workspace's figures per hour for `hours` hours from `start` (an hour boundary), and its users pending now.
    public func workspaceActivity(workspaceID: Int64, start: Date, hours: Int) throws(StoreError) -> WorkspaceActivity {
        try read { db in
            let empty = [Int](repeating: 0, count: hours)
            var activity = WorkspaceActivity(synced: empty, notSynced: empty, errored: empty, queued: empty, pendingNow: 0)
            let notSynced = Set(StepMetric.notSynced.map(\.rawValue))
            // One grouped read of the window's hourly rows of the workspace's steps. Naming the metrics lets each step's
            // rows be found by the whole primary key (step, metric, hour range) instead of scanning the step's history.
            let metrics = ["synced", "errored", StepMetric.queued.rawValue] + notSynced.sorted()
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT m.metric, m.hour, sum(m.count) AS n FROM step_metric m
                JOIN canvas_step s ON s.id = m.step_id JOIN canvas c ON c.id = s.canvas_id
                WHERE c.workspace_id = ? AND m.metric IN (SELECT value FROM json_each(?)) AND m.hour >= ? AND m.hour < ?
                GROUP BY m.metric, m.hour
                """), arguments: [workspaceID, JSONText.stringArray(metrics), start.unix, start.unix + 3600 * Double(hours)])
            for row in rows {
                let metric: String = row["metric"]
                let index = Int((Double(row["hour"] as Int64) - start.unix) / 3600)
                guard (0..<hours).contains(index) else { continue }
                let count: Int = row["n"]
                switch metric {
                case "synced": activity.synced[index] += count
                case "errored": activity.errored[index] += count
                case StepMetric.queued.rawValue: activity.queued[index] += count
                case _ where notSynced.contains(metric): activity.notSynced[index] += count
                default: continue
                }
            }
            activity.pendingNow = try Int.fetchOne(db.cachedStatement(sql: """
                SELECT coalesce(sum(n.count), 0) FROM step_item_count n JOIN canvas_step s ON s.id = n.step_id JOIN canvas c ON c.id = s.canvas_id
                WHERE c.workspace_id = ? AND n.state = 'pending'
                """), arguments: [workspaceID]) ?? 0
            return activity
        }
    }

    /// The workspace's steps with pending users waiting on a noted problem, biggest first. Pending removals from a
    /// too-small audience are left out: they are expected to wait, and nobody has anything to fix.
    public func stuckSteps(workspaceID: Int64) throws(StoreError) -> [StuckStep] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT c.id AS canvas_id, c.name, s.id AS step_id, i.error_class, max(i.last_error) AS message, sum(i.count) AS n
                FROM canvas c JOIN canvas_step s ON s.canvas_id = c.id JOIN sync_chunk i ON i.step_id = s.id AND i.state = 'pending'
                WHERE c.workspace_id = ? AND i.error_class IS NOT NULL AND i.error_class != 'audience_too_small_to_remove'
                GROUP BY s.id, i.error_class ORDER BY n DESC, s.id
                """), arguments: [workspaceID]).map {
                StuckStep(canvasID: $0["canvas_id"], canvasName: $0["name"], stepID: $0["step_id"], errorClass: $0["error_class"],
                          message: $0["message"] ?? "", count: $0["n"])
            }
        }
    }

    /// Every canvas's figures in one grouped query (never one per canvas): Entered of its first step, Synced,
    /// Pending and Errored from the kept item counts, and Synced since `since` from the hourly figures.
    /// Canvases without steps or activity are absent.
    public func canvasListFigures(workspaceID: Int64, since: Date) throws(StoreError) -> [Int64: CanvasListFigures] {
        try read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                WITH steps AS (
                    SELECT s.id, s.canvas_id, s.position = min(s.position) OVER (PARTITION BY s.canvas_id) AS first
                    FROM canvas_step s JOIN canvas c ON c.id = s.canvas_id WHERE c.workspace_id = ?1
                ), figures AS (
                    SELECT st.canvas_id, 'entered' AS figure, t.count AS n FROM step_metric_total t JOIN steps st ON st.id = t.step_id
                        WHERE t.metric = 'entered' AND st.first
                    UNION ALL
                    SELECT st.canvas_id, n.state, n.count FROM step_item_count n JOIN steps st ON st.id = n.step_id
                    UNION ALL
                    SELECT st.canvas_id, 'recent', m.count FROM step_metric m JOIN steps st ON st.id = m.step_id
                        WHERE m.metric = 'synced' AND m.hour >= ?2
                )
                SELECT canvas_id, figure, sum(n) AS n FROM figures GROUP BY canvas_id, figure
                """), arguments: [workspaceID, since.unix])
            var figures: [Int64: CanvasListFigures] = [:]
            for row in rows {
                let id: Int64 = row["canvas_id"], count: Int = row["n"]
                switch row["figure"] as String {
                case "entered": figures[id, default: CanvasListFigures()].entered = count
                case "synced": figures[id, default: CanvasListFigures()].synced = count
                case "pending": figures[id, default: CanvasListFigures()].pending = count
                case "errored": figures[id, default: CanvasListFigures()].errored = count
                case "recent": figures[id, default: CanvasListFigures()].syncedRecently = count
                default: continue
                }
            }
            return figures
        }
    }

    /// The workspace's segment exports still running, oldest first.
    public func runningExports(workspaceID: Int64) throws(StoreError) -> [SegmentExport] {
        try read { db in
            try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM segment_export WHERE workspace_id = ? AND status = 'running' ORDER BY id"),
                               arguments: [workspaceID])
                .compactMap { try Self.fetchExport(db, workspaceID: workspaceID, id: $0) }
        }
    }

    /// The workspace's CSV imports still running, oldest first.
    public func runningImports(workspaceID: Int64) throws(StoreError) -> [ProfileImport] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM profile_import WHERE workspace_id = ? AND status = 'running' ORDER BY id"),
                             arguments: [workspaceID]).map(Self.profileImport(from:))
        }
    }
}
