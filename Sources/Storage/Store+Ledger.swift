import Core
import Foundation
import GRDB

/// One line of a user's sync ledger.
public struct LedgerLine: Sendable, Equatable {
    /// When.
    public let at: Date
    /// The canvas and its step.
    public let canvasID: Int64
    /// The canvas's name.
    public let canvasName: String
    /// The step.
    public let stepID: Int64
    /// synced, retry, errored, not_synced (the consent policy kept the user back; the message says which condition), or a
    /// removal from the step's audience: removed, removal_pending, removal_errored (the message says why).
    public let outcome: String
    /// The partner's message, when there was a problem.
    public let message: String?
    /// The partner's schema keys that were sent (names only, never values).
    public let fields: [String]
}

/// One request to a partner, for a destination's activity log.
public struct ActivityLine: Sendable, Equatable {
    /// When.
    public let at: Date
    /// Users in the request.
    public let users: Int
    /// ok, or the error class.
    public let outcome: String
    /// The partner's answer in short ("received 10000, invalid 0").
    public let summary: String
    /// How long the call took.
    public let latencyMilliseconds: Int
    /// What the partner said it received and judged invalid, when it accepted the call.
    public let receipt: PartnerCounts?

    /// Creates a value.
    public init(at: Date, users: Int, outcome: String, summary: String, latencyMilliseconds: Int, receipt: PartnerCounts? = nil) {
        self.at = at; self.users = users; self.outcome = outcome; self.summary = summary; self.latencyMilliseconds = latencyMilliseconds
        self.receipt = receipt
    }
}

/// Rows a partner reported receiving and judging invalid for one call (Facebook's `num_received`,
/// `num_invalid_entries`).
public struct PartnerCounts: Sendable, Equatable {
    /// Rows received.
    public let received: Int
    /// Rows judged invalid.
    public let invalid: Int
    /// Creates a value.
    public init(received: Int, invalid: Int) { self.received = received; self.invalid = invalid }
}

extension Store {
    /// A user's sync attempts in the workspace, newest first: the attempts that did not succeed (their chunk's
    /// `chunk_attempt` lines), each synced chunk they were in (while it finished after the last prune's cutoff),
    /// consent blocks and removals.
    public func ledger(workspaceID: Int64, externalID: String, limit: Int = 200) throws(StoreError) -> [LedgerLine] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT a.at, a.id, i.step_id, a.outcome, a.message, i.schema AS fields, c.id AS canvas_id, c.name AS canvas_name
                FROM chunk_user u JOIN chunk_attempt a ON a.chunk_id = u.chunk_id JOIN sync_chunk i ON i.id = u.chunk_id
                JOIN canvas_step s ON s.id = i.step_id JOIN canvas c ON c.id = s.canvas_id
                WHERE u.external_id = ?1 AND c.workspace_id = ?2
                UNION ALL
                SELECT i.finished_at, i.id, i.step_id, 'synced', NULL, i.schema, c.id, c.name
                FROM chunk_user u JOIN sync_chunk i ON i.id = u.chunk_id JOIN canvas_step s ON s.id = i.step_id JOIN canvas c ON c.id = s.canvas_id
                WHERE u.external_id = ?1 AND c.workspace_id = ?2 AND i.state = 'synced'
                    AND i.finished_at >= coalesce((SELECT before FROM ledger_cutoff), 0)
                UNION ALL
                SELECT b.at, b.id, b.step_id, 'not_synced', 'Blocked by the workspace consent policy: ' || b.reason, '[]', c.id, c.name
                FROM sync_block b JOIN canvas_step s ON s.id = b.step_id JOIN canvas c ON c.id = s.canvas_id
                WHERE b.external_id = ?1 AND c.workspace_id = ?2
                UNION ALL
                SELECT coalesce(r.finished_at, r.created_at), r.id, r.step_id,
                    CASE r.state WHEN 'removed' THEN 'removed' WHEN 'errored' THEN 'removal_errored' ELSE 'removal_pending' END,
                    CASE r.reason WHEN 'consent_withdrawn' THEN 'Consent withdrawn' ELSE 'Erased' END || coalesce(': ' || r.last_error, ''),
                    '[]', c.id, c.name
                FROM removal_item r JOIN canvas_step s ON s.id = r.step_id JOIN canvas c ON c.id = s.canvas_id
                WHERE r.subject = ?1 AND c.workspace_id = ?2
                ORDER BY 1 DESC, 2 DESC LIMIT ?3
                """), arguments: [externalID, workspaceID, limit]).map { row in
                LedgerLine(at: Date(unix: row["at"]), canvasID: row["canvas_id"], canvasName: row["canvas_name"], stepID: row["step_id"],
                           outcome: row["outcome"], message: row["message"],
                           fields: (try? JSONSerialization.jsonObject(with: Data((row["fields"] as String).utf8))) as? [String] ?? [])
            }
        }
    }

    /// Records partner requests of a destination (after the calls, outside any transaction that waited on them).
    public func recordActivity(stepID: Int64, _ lines: [ActivityLine]) throws(StoreError) {
        guard !lines.isEmpty else { return }
        try write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO sync_request (step_id, at, users, outcome, summary, latency_ms) VALUES (?, ?, ?, ?, ?, ?)")
            for line in lines {
                try insert.execute(arguments: [stepID, line.at.unix, line.users, line.outcome, line.summary, line.latencyMilliseconds])
            }
            let receipts = lines.compactMap(\.receipt)
            guard !receipts.isEmpty else { return }
            try db.execute(sql: """
                INSERT INTO step_partner_figures (step_id, received, invalid) VALUES (?, ?, ?)
                ON CONFLICT (step_id) DO UPDATE SET received = received + excluded.received, invalid = invalid + excluded.invalid
                """, arguments: [stepID, receipts.map(\.received).reduce(0, +), receipts.map(\.invalid).reduce(0, +)])
        }
    }

    /// A destination's latest requests, newest first.
    public func activity(stepID: Int64, limit: Int = 50) throws(StoreError) -> [ActivityLine] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM sync_request WHERE step_id = ? ORDER BY at DESC, id DESC LIMIT ?"), arguments: [stepID, limit])
                .map { ActivityLine(at: Date(unix: $0["at"]), users: $0["users"], outcome: $0["outcome"], summary: $0["summary"],
                                    latencyMilliseconds: $0["latency_ms"]) }
        }
    }

    /// Deletes ledger lines and finished emails older than `ledgerBefore`, and request lines older than `activityBefore`.
    public func pruneHistory(ledgerBefore: Date, activityBefore: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM chunk_attempt WHERE at < ?", arguments: [ledgerBefore.unix])
            // Synced chunks stay (they are the record of who is in an audience); their ledger lines end at the cutoff.
            try db.execute(sql: """
                INSERT INTO ledger_cutoff (id, before) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET before = max(before, excluded.before)
                """, arguments: [ledgerBefore.unix])
            try db.execute(sql: "DELETE FROM sync_block WHERE at < ?", arguments: [ledgerBefore.unix])
            try db.execute(sql: "DELETE FROM sync_request WHERE at < ?", arguments: [activityBefore.unix])
            // Emails are kept as long as the ledger; one still queued stays until it is sent or given up.
            try db.execute(sql: "DELETE FROM outbox WHERE created_at < ? AND state != 'queued'", arguments: [ledgerBefore.unix])
        }
    }

    /// Puts a step's errored items back in the queue for a fresh set of attempts (after the cause was fixed).
    /// - Returns: how many.
    @discardableResult
    public func retryErrored(stepID: Int64, now: Date) throws(StoreError) -> Int {
        try write { db in
            let moved = try Int.fetchAll(db.cachedStatement(sql: """
                UPDATE sync_chunk SET state = 'pending', attempts = 0, first_attempt_at = NULL, next_attempt_at = ?, finished_at = NULL,
                    claim_id = NULL, lease_until = NULL
                WHERE step_id = ? AND state = 'errored' RETURNING count
                """), arguments: [now.unix, stepID]).reduce(0, +)
            try Self.countItems(db, stepID: stepID, state: "errored", by: -moved)
            try Self.countItems(db, stepID: stepID, state: "pending", by: moved)
            return moved
        }
    }

    /// A step's errored items per the class of their last error (Users Errored by reason).
    public func erroredByClass(stepID: Int64) throws(StoreError) -> [String: Int] {
        try read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db.cachedStatement(sql: """
                SELECT coalesce(error_class, 'unknown') AS reason, sum(count) AS n FROM sync_chunk WHERE step_id = ? AND state = 'errored' GROUP BY 1
                """), arguments: [stepID]).map { ($0["reason"] as String, $0["n"] as Int) })
        }
    }

    /// Pending items of a step held back by a partner's rate limit (Users Throttled).
    public func throttledCount(stepID: Int64) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(count), 0) FROM sync_chunk WHERE step_id = ? AND state = 'pending' AND error_class = 'throttled'"),
                             arguments: [stepID]) ?? 0
        }
    }
}

/// Figures for `/metrics`.
public struct QueueMetrics: Sendable, Equatable {
    /// Items per state (pending, synced, errored).
    public let items: [String: Int]
    /// Pending items per the problem they wait on ("none" when not waiting on one).
    public let pendingByClass: [String: Int]
    /// Partner requests of the last 7 days per outcome ("ok" or an error class).
    public let requests: [String: Int]
    /// Users carried by those requests.
    public let usersSent: Int
    /// Their total latency in milliseconds.
    public let latencyMilliseconds: Int
    /// Open alerts by kind.
    public let openAlerts: [String: Int]
    /// Emails by outbox state.
    public let outbox: [String: Int]
}

extension Store {
    /// A snapshot of the sync queue and recent partner requests.
    public func queueMetrics() throws(StoreError) -> QueueMetrics {
        try read { db in
            func counts(_ sql: String) throws -> [String: Int] {
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: sql).map { ($0[0] as String, $0[1] as Int) })
            }
            let totals = try Row.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(users), 0), coalesce(sum(latency_ms), 0) FROM sync_request"))
            return QueueMetrics(
                items: try counts("SELECT state, sum(count) FROM step_item_count GROUP BY state"),
                pendingByClass: try counts("SELECT coalesce(error_class, 'none'), sum(count) FROM sync_chunk WHERE state = 'pending' GROUP BY 1"),
                requests: try counts("SELECT outcome, count(*) FROM sync_request GROUP BY outcome"),
                usersSent: totals?[0] ?? 0, latencyMilliseconds: totals?[1] ?? 0,
                openAlerts: try counts("SELECT kind, count(*) FROM alert WHERE cleared_at IS NULL GROUP BY kind"),
                outbox: try counts("SELECT state, count(*) FROM outbox GROUP BY state"))
        }
    }
}
