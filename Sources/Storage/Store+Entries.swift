import Core
import CrashPoints
import Foundation
import GRDB

/// How a user's entry request ended.
public enum EntryResult: String, Sendable, Equatable, Codable {
    /// Entered the canvas.
    case entered
    /// The user does not match the entry criteria.
    case notMatched = "not_matched"
    /// No such user (and no attributes were sent to create one).
    case unknownUser = "unknown_user"
}

/// One user updated by `/users/track`, as the entry decision sees them.
public struct TrackedUser: Sendable {
    /// The user.
    public let externalID: String
    /// Their attributes JSON before the request (nil: the request created them).
    public let before: String?
    /// Their attributes JSON after it.
    public let after: String
    /// Their activity before this request's events and purchases (nil: not loaded, as no canvas reads it).
    public let activityBefore: ActivityFacts?
    /// This request's events of the user that may start an action-based entry (empty on a repeated update).
    public let events: [ProfileEvent]
    /// This request's purchases of the user that may start an action-based entry (empty on a repeated update).
    public let purchases: [ProfilePurchase]
    /// All this request's events of the user, for their activity after it.
    let newEvents: [ProfileEvent]
    /// All this request's purchases of the user.
    let newPurchases: [ProfilePurchase]

    /// Their activity after this request (nil: not loaded).
    public var activityAfter: ActivityFacts? {
        activityBefore.map { before in
            var after = before
            after.events += newEvents.map { ActivityFacts.Event(name: $0.name, time: $0.time.unix) }
            after.purchases += newPurchases.map { ActivityFacts.Purchase(productID: $0.productID, time: $0.time.unix) }
            return after
        }
    }
}

/// A user waiting in a Delay step whose wait is over.
public struct DueEntry: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// The canvas.
    public let canvasID: Int64
    /// The canvas's workspace.
    public let workspaceID: Int64
    /// The user.
    public let externalID: String
    /// The Delay step's index.
    public let position: Int
}

extension Store {
    /// Upserts `updates`, then asks `decide` for every user in `externalIDs` (with their attributes JSON, nil when
    /// unknown) whether and how they enter `canvasID`, and commits the entries, sync items and figures — all in one
    /// transaction, so a 2xx answer means everything is stored.
    ///
    /// `policy` is the consent policy `decide` applies. When it is still the workspace's, the new chunks keep the
    /// current consent version and their first claim skips the consent screen; otherwise (or when nil) it screens them.
    public func trigger(workspaceID: Int64, canvasID: Int64, updates: [ProfileUpdate], externalIDs: [String], now: Date,
                        decidedUnder policy: ConsentPolicy? = nil, decide: (String, String?) -> PathOutcome?) throws(StoreError) -> [EntryResult] {
        try write { db in
            let created = try Self.upsertDetectingWithdrawals(db, workspaceID: workspaceID, updates, now: now)
            let attributes = try db.cachedStatement(sql: "SELECT attributes FROM profile WHERE workspace_id = ? AND external_id = ?")
            var tallies = Tallies()
            // Read after the upsert, which moves the version on when it sets an attribute the policy reads: `decide`
            // sees the profiles as they are now.
            if let policy, try Self.consentPolicy(db, workspaceID: workspaceID) == policy {
                tallies.consentVersion = try Self.consentVersion(db, workspaceID: workspaceID)
            }
            let results: [EntryResult] = try externalIDs.map { externalID in
                guard let json = try created[externalID] ?? String.fetchOne(attributes, arguments: [workspaceID, externalID]) else {
                    return .unknownUser
                }
                guard let outcome = decide(externalID, json) else {
                    tallies.entryFigures[Tallies.CanvasFigure(canvasID: canvasID, figure: "not_matched"), default: 0] += 1
                    return .notMatched
                }
                try Self.record(db, canvasID: canvasID, externalID: externalID, outcome: outcome, entryID: nil, now: now, tallies: &tallies)
                return .entered
            }
            try tallies.commit(db, now: now)
            CrashPoints.reach(.canvasEntry)   // test-only: a kill here must roll the whole request back
            return results
        }
    }

    /// Upserts `updates`, stores `events` and `purchases` on their profiles (each needs an update for its user, even
    /// an empty one), then lets `enter` decide, per updated user, which canvases they enter (automatic entry on a change
    /// and action-based entry on this request's events), and records the entries — all in one transaction.
    ///
    /// `activityDays` is the longest activity window the deciding canvases read (nil: none reads activity, and none
    /// is loaded): each user's activity is then loaded once, before this request's events are added.
    public func track(workspaceID: Int64, updates: [ProfileUpdate], events: [ProfileEvent] = [], purchases: [ProfilePurchase] = [], now: Date,
                      activityDays: Int? = nil, enter: (TrackedUser) -> [(canvasID: Int64, outcome: PathOutcome)]) throws(StoreError) {
        try write { db in
            let read = try db.cachedStatement(sql: "SELECT attributes FROM profile WHERE workspace_id = ? AND external_id = ?")
            let policy = try Self.consentPolicy(db, workspaceID: workspaceID)
            var changes: [(externalID: String, before: String?, after: String)] = []
            let chunks = ChunkRowsCache()
            try Self.noteConsentChange(db, workspaceID: workspaceID, updates, policy: policy)
            for update in updates {
                let before = try String.fetchOne(read, arguments: [workspaceID, update.externalID])
                let created = try Self.upsert(db, workspaceID: workspaceID, [update], now: now)
                let after = try created[update.externalID] ?? String.fetchOne(read, arguments: [workspaceID, update.externalID])
                if policy.mayChangeStanding(update) {   // both sides are read already: no second look for withdrawals
                    try Self.queueWithdrawal(db, workspaceID: workspaceID, externalID: update.externalID, before: before, after: after,
                                             policy: policy, now: now, chunks: chunks)
                }
                changes.append((update.externalID, before, after ?? "{}"))
            }
            let activity = try activityDays.map { days in
                try Self.activityFacts(db, workspaceID: workspaceID, externalIDs: changes.map(\.externalID), days: days, now: now)
            }
            try Self.insertActivity(db, workspaceID: workspaceID, events: events, purchases: purchases, now: now)
            // Grouped once: a request may hold 10,000 updates and 10,000 events.
            let eventsByUser = Dictionary(grouping: events, by: \.externalID)
            let purchasesByUser = Dictionary(grouping: purchases, by: \.externalID)
            var tallies = Tallies()
            var given = Set<String>()
            for change in changes {
                // This request's events go with the user's first update only, so they start at most one action entry.
                let first = given.insert(change.externalID).inserted
                let userEvents = eventsByUser[change.externalID] ?? [], userPurchases = purchasesByUser[change.externalID] ?? []
                let user = TrackedUser(externalID: change.externalID, before: change.before, after: change.after, activityBefore: activity?[change.externalID],
                                       events: first ? userEvents : [], purchases: first ? userPurchases : [],
                                       newEvents: userEvents, newPurchases: userPurchases)
                for entry in enter(user) {
                    try Self.record(db, canvasID: entry.canvasID, externalID: change.externalID, outcome: entry.outcome, entryID: nil, now: now,
                                    tallies: &tallies)
                }
            }
            try tallies.commit(db, now: now)
            CrashPoints.reach(.ingestCommit)   // test-only: a kill here must roll the whole request back
        }
    }

    /// Users whose Delay is over, oldest first.
    public func dueEntries(now: Date, limit: Int) throws(StoreError) -> [DueEntry] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT e.id, e.canvas_id, c.workspace_id, e.external_id, e.position FROM canvas_entry e JOIN canvas c ON c.id = e.canvas_id
                WHERE e.due_at <= ? ORDER BY e.due_at LIMIT ?
                """), arguments: [now.unix, limit])
                .map { DueEntry(id: $0["id"], canvasID: $0["canvas_id"], workspaceID: $0["workspace_id"], externalID: $0["external_id"],
                                position: $0["position"]) }
        }
    }

    /// Moves due users on: `decide` gets each entry with its user's attributes (nil if deleted meanwhile).
    /// An entry another process already moved is skipped.
    public func resume(_ entries: [DueEntry], now: Date, decide: (DueEntry, String?) -> PathOutcome) throws(StoreError) {
        try write { db in
            let stillWaiting = try db.cachedStatement(sql: "SELECT count(*) FROM canvas_entry WHERE id = ? AND position = ? AND due_at <= ?")
            let attributes = try db.cachedStatement(sql: "SELECT attributes FROM profile WHERE workspace_id = ? AND external_id = ?")
            var tallies = Tallies()
            for entry in entries {
                guard try Int.fetchOne(stillWaiting, arguments: [entry.id, entry.position, now.unix]) == 1 else { continue }
                let json = try String.fetchOne(attributes, arguments: [entry.workspaceID, entry.externalID])
                try Self.record(db, canvasID: entry.canvasID, externalID: entry.externalID, outcome: decide(entry, json), entryID: entry.id, now: now,
                                tallies: &tallies)
            }
            try tallies.commit(db, now: now)
        }
    }

    /// Totals of each figure per step of a canvas.
    public func stepTotals(canvasID: Int64) throws(StoreError) -> [Int64: [StepMetric: Int]] {
        try read { db in
            var totals: [Int64: [StepMetric: Int]] = [:]
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT t.step_id, t.metric, t.count AS total FROM step_metric_total t JOIN canvas_step s ON s.id = t.step_id
                WHERE s.canvas_id = ?
                """), arguments: [canvasID])
            for row in rows {
                guard let metric = StepMetric(rawValue: row["metric"]) else { continue }
                totals[row["step_id"], default: [:]][metric] = row["total"]
            }
            return totals
        }
    }

    /// A canvas's entry figures no step records: entry requests of users who did not match the entry criteria
    /// (`notMatched`), and users who entered but whom the consent policy keeps from every audience (`blockedByConsent`).
    public func canvasEntryFigures(canvasID: Int64) throws(StoreError) -> (notMatched: Int, blockedByConsent: Int) {
        try read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT figure, count FROM canvas_entry_figure WHERE canvas_id = ?"), arguments: [canvasID])
            let counts = Dictionary(uniqueKeysWithValues: rows.map { ($0["figure"] as String, $0["count"] as Int) })
            return (counts["not_matched"] ?? 0, counts["blocked_by_consent"] ?? 0)
        }
    }

    /// Users waiting to sync, over every step of every workspace (kept per step and state by the store, so this is a
    /// sum over a few rows, cheap enough for every API request).
    public func pendingItemCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(count), 0) FROM step_item_count WHERE state = 'pending'")) ?? 0 }
    }

    /// Sync items of a step by state (pending, synced, errored).
    public func syncItemCounts(stepID: Int64) throws(StoreError) -> [String: Int] {
        try read { db in
            // Kept by the store with every insert and state change (migration 009); zero counts are left out, as a
            // GROUP BY over the items would.
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db.cachedStatement(sql: "SELECT state, count AS n FROM step_item_count WHERE step_id = ? AND count > 0"),
                                                              arguments: [stepID]).map { ($0["state"] as String, $0["n"] as Int) })
        }
    }

    /// The workspace a canvas belongs to.
    public func workspaceID(canvasID: Int64) throws(StoreError) -> Int64? {
        try read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT workspace_id FROM canvas WHERE id = ?"), arguments: [canvasID]) }
    }

    /// Commits one walk: the entry's new place (or its removal when the user exited), the items and the figures.
    private static func record(_ db: Database, canvasID: Int64, externalID: String, outcome: PathOutcome, entryID: Int64?, now: Date,
                               tallies: inout Tallies) throws {
        if let position = outcome.waitingAt, let until = outcome.waitUntil {
            if let entryID {
                try db.execute(sql: "UPDATE canvas_entry SET position = ?, due_at = ? WHERE id = ?", arguments: [position, until.unix, entryID])
            } else {
                try db.cachedStatement(sql: "INSERT INTO canvas_entry (canvas_id, external_id, position, due_at, entered_at) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [canvasID, externalID, position, until.unix, now.unix])
            }
        } else if let entryID {
            try db.execute(sql: "DELETE FROM canvas_entry WHERE id = ?", arguments: [entryID])
        }
        for item in outcome.items {
            tallies.chunks[SyncChunks.Key(stepID: item.stepID, schema: item.schema), default: SyncChunks.Batch()].append(user: externalID, row: item.row)
            tallies.items[item.stepID, default: 0] += 1
        }
        try recordBlocks(db, externalID: externalID, outcome.blocks, now: now)
        if outcome.didNotMatch {
            tallies.entryFigures[Tallies.CanvasFigure(canvasID: canvasID, figure: "not_matched"), default: 0] += 1
        }
        if entryID == nil, outcome.blockedByConsent {
            tallies.entryFigures[Tallies.CanvasFigure(canvasID: canvasID, figure: "blocked_by_consent"), default: 0] += 1
        }
        for figure in outcome.counts { tallies.figures[Tallies.Figure(stepID: figure.stepID, metric: figure.metric.rawValue), default: 0] += 1 }
    }
}

extension Store {
    /// A step's figures per bucket of `bucket` seconds from `start` (`count` buckets), from the hourly counts.
    public func stepSeries(stepID: Int64, metrics: [String], start: Date, bucket: TimeInterval, count: Int) throws(StoreError) -> [String: [Int]] {
        try read { db in
            var series = Dictionary(uniqueKeysWithValues: metrics.map { ($0, [Int](repeating: 0, count: count)) })
            // Naming the metrics lets SQLite seek the primary key (step, metric, hour range) for each one, instead of
            // reading every hour of every metric of the step's history; the buckets are summed in SQL, and the columns
            // read by position.
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT metric, CAST((hour - ?2) / ?3 AS INTEGER) AS bucket, sum(count) FROM step_metric
                WHERE step_id = ?1 AND metric IN (SELECT value FROM json_each(?5)) AND hour >= ?2 AND hour < ?2 + ?3 * ?4
                GROUP BY metric, bucket
                """), arguments: [stepID, start.unix, bucket, count, JSONText.stringArray(metrics)])
            for row in rows {
                let metric: String = row[0], index: Int = row[1]
                guard series[metric] != nil, (0..<count).contains(index) else { continue }
                series[metric]![index] += row[2] as Int
            }
            return series
        }
    }
}
