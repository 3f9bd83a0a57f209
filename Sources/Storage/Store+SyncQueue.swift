import Core
import Foundation
import GRDB

/// An item claimed for sending: what to send, and how often it was tried.
public struct ClaimedItem: Sendable, Equatable {
    /// The item's id: a removal's row id, or a queued user's chunk and slot (opaque; only handed back to `finish`).
    public let id: Int64
    /// The user.
    public let externalID: String
    /// The partner's schema keys.
    public let schema: [String]
    /// The prepared values.
    public let row: [String]
    /// Attempts including this one.
    public let attempts: Int
    /// When it was first tried (now, on a first attempt).
    public let firstAttemptAt: Date

    /// Creates a value.
    public init(id: Int64, externalID: String, schema: [String], row: [String], attempts: Int, firstAttemptAt: Date) {
        self.id = id; self.externalID = externalID; self.schema = schema; self.row = row; self.attempts = attempts; self.firstAttemptAt = firstAttemptAt
    }
}

/// What became of claimed items.
public enum ItemOutcome: Sendable, Equatable {
    /// The partner took them.
    case synced
    /// Try again at `at`; the partner said `message` (class `errorClass`).
    case retry(at: Date, errorClass: String, message: String)
    /// Given up: counted as Users Errored with the reason.
    case errored(errorClass: String, message: String)
}

extension Store {
    /// Steps with items ready to send now (not leased, due), their partner, and how many.
    public func dueDestinations(now: Date) throws(StoreError) -> [(stepID: Int64, partner: PartnerID?, due: Int)] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT c.step_id, s.partner, sum(c.count) AS due FROM sync_chunk c JOIN canvas_step s ON s.id = c.step_id
                WHERE c.state = 'pending' AND c.next_attempt_at <= ?1 AND (c.lease_until IS NULL OR c.lease_until < ?1)
                GROUP BY c.step_id ORDER BY min(c.id)
                """), arguments: [now.unix]).map { ($0["step_id"], ($0["partner"] as String?).flatMap(PartnerID.init(rawValue:)), $0["due"]) }
        }
    }

    /// Claims up to `limit` due items of a step under `claimID` until `leaseUntil`; expired leases are taken back.
    /// Whole chunks are claimed, oldest first, as many as fit in `limit` (a later, smaller chunk fills the room an
    /// older, bigger one would pass); a first chunk bigger than `limit` gives up its last users to a chunk of their own.
    ///
    /// `policy` is the consent policy's last gate (nil: not screened, as for a remove step): claimed users whose stored
    /// profile fails it leave the queue as Not Synced — no consent in the same transaction and are not returned. A user
    /// without a stored profile is not screened.
    public func claim(stepID: Int64, limit: Int, claimID: String, leaseUntil: Date, now: Date,
                      policy: ConsentPolicy?) throws(StoreError) -> [ClaimedItem] {
        try write { db in
            let chunkIDs = try Self.dueChunks(db, stepID: stepID, limit: max(1, limit), now: now)
            guard !chunkIDs.isEmpty else { return [] }
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                UPDATE sync_chunk SET claim_id = ?1, lease_until = ?2, attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?3)
                WHERE id IN (SELECT value FROM json_each(?4))
                RETURNING id, schema, users, rows, attempts, first_attempt_at, consent_version
                """), arguments: [claimID, leaseUntil.unix, now.unix, Self.idList(chunkIDs)])
            // Chunks entered under the workspace's current consent version were decided on the very profiles and policy
            // the screen would read: only the others are screened (a claim of unchanged users reads no profile).
            let current = try Self.consentVersion(db, stepID: stepID)
            var unchanged: [ClaimedItem] = [], toScreen: [ClaimedItem] = []
            for row in rows {
                let items = try Self.claimedChunk(from: row)
                if row["consent_version"] as Int64 == current { unchanged += items } else { toScreen += items }
            }
            let screened = try Self.screen(db, stepID: stepID, toScreen, policy: policy, now: now)
            return (unchanged + screened).sorted { $0.id < $1.id }
        }
    }

    /// The due chunks of a step that together hold at most `limit` users, oldest first (at least one).
    private static func dueChunks(_ db: Database, stepID: Int64, limit: Int, now: Date) throws -> [Int64] {
        let due = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, count FROM sync_chunk WHERE step_id = ?1 AND state = 'pending' AND next_attempt_at <= ?2
                AND (lease_until IS NULL OR lease_until < ?2) ORDER BY id LIMIT ?3
            """), arguments: [stepID, now.unix, limit])
        var chosen: [Int64] = [], total = 0
        for row in due where total < limit {
            let (id, count): (Int64, Int) = (row["id"], row["count"])
            if chosen.isEmpty, count > limit, let users = try SyncChunks.load(db, chunkID: id)?.users {
                // The chunk is bigger than a call may carry (the partner's batch size shrank): its tail waits in a chunk of its own.
                let live = users.indices.filter { users[$0] != nil }
                _ = try SyncChunks.move(db, chunkID: id, slots: Array(live.dropFirst(limit)))
                return [id]
            }
            // First fit: a chunk that would pass the limit waits (it is the oldest for the next claim); later, smaller ones fill the call.
            guard total + count <= limit else { continue }
            chosen.append(id)
            total += count
        }
        return chosen
    }

    /// Gives up the claims in `claimIDs` at once, as a process does when told to stop right away: their items are
    /// due again for the next claim instead of waiting for the lease to run out. A completion that arrives later
    /// under one of these claim ids is fenced off like any stale one.
    /// - Returns: how many items were released.
    @discardableResult
    public func releaseClaims(_ claimIDs: [String]) throws(StoreError) -> Int {
        guard !claimIDs.isEmpty else { return 0 }
        return try write { db in
            try Int.fetchAll(db.cachedStatement(sql: """
                UPDATE sync_chunk SET claim_id = NULL, lease_until = NULL
                WHERE state = 'pending' AND claim_id IN (SELECT value FROM json_each(?)) RETURNING count
                """), arguments: [JSONText.stringArray(claimIDs)]).reduce(0, +)
        }
    }

    /// Extends the lease of the items — sync items or removals — still held under `claimID` (while their request is in
    /// flight). Claim ids are UUIDs, so one claim is never in both tables.
    public func renewLease(claimID: String, until: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE sync_chunk SET lease_until = ? WHERE claim_id = ?", arguments: [until.unix, claimID])
            try db.execute(sql: "UPDATE removal_item SET lease_until = ? WHERE claim_id = ?", arguments: [until.unix, claimID])
        }
    }

    /// Records outcomes for items claimed under `claimID`. Items whose claim was taken over (the lease ran out and
    /// another worker claimed them) are left alone: completion must match the claim id.
    ///
    /// A chunk whose users all had one outcome is recorded in one update; users whose outcome differs from the rest
    /// of their chunk's (a partner refusing their row) move to a chunk of their own first. A claimed user given no
    /// outcome is released for the next claim.
    /// - Returns: how many items the outcome was recorded for.
    @discardableResult
    public func finish(claimID: String, outcomes: [(ids: [Int64], outcome: ItemOutcome)], stepID: Int64, now: Date) throws(StoreError) -> Int {
        try write { db in
            var chunksByOutcome = Array(repeating: [Int64](), count: outcomes.count)
            for (chunkID, slotsByOutcome) in try Self.fencedChunks(db, claimID: claimID, outcomes: outcomes) {
                for (index, chunk) in try Self.separate(db, chunkID: chunkID, slotsByOutcome) { chunksByOutcome[index].append(chunk) }
            }
            var changed = 0
            for (index, (_, outcome)) in outcomes.enumerated() where !chunksByOutcome[index].isEmpty {
                let applied = try Self.apply(db, chunkIDs: chunksByOutcome[index], claimID: claimID, outcome: outcome, now: now)
                changed += applied
                if case .retry = outcome { continue }
                guard applied > 0 else { continue }
                let state = outcome == .synced ? "synced" : "errored"
                try Self.addMetric(db, stepID: stepID, metric: state, count: applied, now: now)
                try Self.countItems(db, stepID: stepID, state: "pending", by: -applied)
                try Self.countItems(db, stepID: stepID, state: state, by: applied)
            }
            try db.execute(sql: "UPDATE sync_chunk SET claim_id = NULL, lease_until = NULL WHERE claim_id = ? AND state = 'pending'", arguments: [claimID])
            return changed
        }
    }

    /// The chunks still held under `claimID` that the outcomes name, each with its slots per outcome index.
    private static func fencedChunks(_ db: Database, claimID: String,
                                     outcomes: [(ids: [Int64], outcome: ItemOutcome)]) throws -> [(Int64, [Int: [Int]])] {
        let held = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM sync_chunk WHERE claim_id = ?"), arguments: [claimID]))
        var slots: [Int64: [Int: [Int]]] = [:]
        for (index, (ids, _)) in outcomes.enumerated() {
            for id in ids {
                let place = SyncChunks.place(ofItem: id)
                guard held.contains(place.chunkID) else { continue }
                slots[place.chunkID, default: [:]][index, default: []].append(place.slot)
            }
        }
        return slots.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Makes every outcome of a chunk's users a chunk of its own: the biggest group stays in the chunk, the others
    /// move out; users given no outcome stay claimed and are released at the end of `finish`.
    /// - Returns: (outcome index, chunk) pairs.
    private static func separate(_ db: Database, chunkID: Int64, _ slotsByOutcome: [Int: [Int]]) throws -> [(Int, Int64)] {
        let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT count FROM sync_chunk WHERE id = ?"), arguments: [chunkID]) ?? 0
        if slotsByOutcome.count == 1, let (index, slots) = slotsByOutcome.first, Set(slots).count == count { return [(index, chunkID)] }
        let groups = slotsByOutcome.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
        let everyoneNamed = Set(slotsByOutcome.values.joined()).count == count
        var result: [(Int, Int64)] = []
        for (position, (index, slots)) in groups.enumerated() {
            if position == 0 && everyoneNamed {
                result.append((index, chunkID))   // everyone else moves out: this group keeps the chunk
            } else if let moved = try SyncChunks.move(db, chunkID: chunkID, slots: slots) {
                result.append((index, moved))
            }
        }
        return result
    }

    /// Gives up on pending items older than the retry deadline (except Pending removals, which wait for the
    /// audience to grow) — counted from their first attempt, or, when never
    /// tried, from their creation (or from when a person asked to retry them) — recording the last reason, and
    /// counting them as errored in the step's figures.
    /// - Returns: how many items each step lost to the deadline.
    @discardableResult
    public func expireItems(olderThan deadline: Date, now: Date) throws(StoreError) -> [Int64: Int] {
        try write { db in
            let expired = try Row.fetchAll(db.cachedStatement(sql: """
                UPDATE sync_chunk SET state = 'errored', finished_at = ?1, claim_id = NULL, lease_until = NULL,
                    error_class = coalesce(error_class, 'deadline'),
                    last_error = 'Not synced within the retry deadline' || coalesce(': ' || last_error, '.')
                WHERE state = 'pending' AND coalesce(first_attempt_at, max(created_at, next_attempt_at)) < ?2
                    AND (lease_until IS NULL OR lease_until < ?1) AND coalesce(error_class, '') != 'audience_too_small_to_remove'
                RETURNING step_id, count
                """), arguments: [now.unix, deadline.unix])
            let counts = Dictionary(expired.map { ($0["step_id"] as Int64, $0["count"] as Int) }, uniquingKeysWith: +)
            for (step, count) in counts {
                try Self.addMetric(db, stepID: step, metric: "errored", count: count, now: now)
                try Self.countItems(db, stepID: step, state: "pending", by: -count)
                try Self.countItems(db, stepID: step, state: "errored", by: count)
            }
            return counts
        }
    }

    /// Until when calls to a partner ad account are held back (a throttle answer), if they are.
    public func throttledUntil(partner: PartnerID, account: String, now: Date) throws(StoreError) -> Date? {
        try read { db in
            try Double.fetchOne(db.cachedStatement(sql: "SELECT until FROM account_throttle WHERE partner = ? AND account = ? AND until > ?"),
                                arguments: [partner.rawValue, account, now.unix]).map(Date.init(unix:))
        }
    }

    /// Holds calls to an ad account back until `until` (kept across restarts, so none burst out after one).
    public func throttle(partner: PartnerID, account: String, until: Date, reason: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO account_throttle (partner, account, until, reason) VALUES (?, ?, ?, ?)
                ON CONFLICT (partner, account) DO UPDATE SET until = max(until, excluded.until), reason = excluded.reason
                """, arguments: [partner.rawValue, account, until.unix, reason])
        }
    }

    /// The last problem items of a step are waiting on, with how many (for the step page).
    public func pendingProblems(stepID: Int64) throws(StoreError) -> [(errorClass: String, message: String, count: Int)] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT error_class, max(last_error) AS message, sum(count) AS n FROM sync_chunk
                WHERE step_id = ? AND state IN ('pending', 'errored') AND error_class IS NOT NULL GROUP BY state, error_class ORDER BY n DESC
                """), arguments: [stepID]).map { ($0["error_class"], $0["message"] ?? "", $0["n"]) }
        }
    }

    /// Moves a step's item count for `state` by `delta` (`step_item_count`, read by every page's figures).
    static func countItems(_ db: Database, stepID: Int64, state: String, by delta: Int) throws {
        if delta > 0 {
            try db.cachedStatement(sql: """
                INSERT INTO step_item_count (step_id, state, count) VALUES (?, ?, ?)
                ON CONFLICT (step_id, state) DO UPDATE SET count = count + excluded.count
                """).execute(arguments: [stepID, state, delta])
        } else if delta < 0 {
            // Not an upsert: SQLite checks `count >= 0` on the row it would insert before finding the conflict.
            try db.cachedStatement(sql: "UPDATE step_item_count SET count = count + ? WHERE step_id = ? AND state = ?")
                .execute(arguments: [delta, stepID, state])
        }
    }

    /// Adds to a step's hourly figure (the chart's and the totals' one table).
    static func addMetric(_ db: Database, stepID: Int64, metric: String, count: Int, now: Date) throws {
        try db.execute(sql: """
            INSERT INTO step_metric (step_id, metric, hour, count) VALUES (?, ?, ?, ?)
            ON CONFLICT (step_id, metric, hour) DO UPDATE SET count = count + excluded.count
            """, arguments: [stepID, metric, Int64(now.unix / 3600) * 3600, count])
    }

    /// Records one outcome for whole chunks still claimed under `claimID`: a ledger line per chunk for an attempt that
    /// did not succeed (a synced chunk is its own line; see ``ledger(workspaceID:externalID:limit:)``), then the update.
    /// - Returns: the users in the chunks updated.
    private static func apply(_ db: Database, chunkIDs: [Int64], claimID: String, outcome: ItemOutcome, now: Date) throws -> Int {
        let ids = idList(chunkIDs)
        let matching = "WHERE id IN (SELECT value FROM json_each(?)) AND claim_id = ? RETURNING count"
        func attemptLine(_ name: String, _ errorClass: String, _ message: String) throws {
            try db.cachedStatement(sql: """
                INSERT INTO chunk_attempt (chunk_id, at, outcome, error_class, message)
                SELECT id, ?, ?, ?, ? FROM sync_chunk WHERE id IN (SELECT value FROM json_each(?)) AND claim_id = ?
                """).execute(arguments: [now.unix, name, errorClass, message, ids, claimID])
        }
        let counts: [Int]
        switch outcome {
        case .synced:
            counts = try Int.fetchAll(db.cachedStatement(sql: """
                UPDATE sync_chunk SET state = 'synced', finished_at = ?, claim_id = NULL, lease_until = NULL, error_class = NULL, last_error = NULL \(matching)
                """), arguments: [now.unix, ids, claimID])
        case .retry(let at, let errorClass, let message):
            try attemptLine("retry", errorClass, message)
            counts = try Int.fetchAll(db.cachedStatement(sql: """
                UPDATE sync_chunk SET next_attempt_at = ?, claim_id = NULL, lease_until = NULL, error_class = ?, last_error = ? \(matching)
                """), arguments: [at.unix, errorClass, message, ids, claimID])
        case .errored(let errorClass, let message):
            try attemptLine("errored", errorClass, message)
            counts = try Int.fetchAll(db.cachedStatement(sql: """
                UPDATE sync_chunk SET state = 'errored', finished_at = ?, claim_id = NULL, lease_until = NULL, error_class = ?, last_error = ? \(matching)
                """), arguments: [now.unix, errorClass, message, ids, claimID])
        }
        return counts.reduce(0, +)
    }

    /// `[1,2,3]`, for `json_each`.
    static func idList(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// A claimed removal (a `removal_item` row).
    static func claimed(from row: Row) -> ClaimedItem {
        func strings(_ json: String) -> [String] {
            JSONText.parseStringArray(json) ?? (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String] ?? []
        }
        return ClaimedItem(id: row["id"], externalID: row["external_id"], schema: strings(row["schema"]), row: strings(row["row"]),
                           attempts: row["attempts"], firstAttemptAt: Date(unix: row["first_attempt_at"]))
    }

    /// The items of a claimed chunk, one per user still in it.
    static func claimedChunk(from row: Row) throws -> [ClaimedItem] {
        let chunkID: Int64 = row["id"]
        let chunk = try SyncChunks.decode(users: row["users"], rows: row["rows"])
        let schema = JSONText.parseStringArray(row["schema"]) ?? []
        let attempts: Int = row["attempts"], first = Date(unix: row["first_attempt_at"])
        return chunk.users.indices.compactMap { slot in
            chunk.users[slot].map { ClaimedItem(id: SyncChunks.itemID(chunkID: chunkID, slot: slot), externalID: $0, schema: schema,
                                                row: chunk.rows[slot], attempts: attempts, firstAttemptAt: first) }
        }
    }
}

extension Store {
    /// The partner an Audience Sync step sends to, if it names one.
    public func partner(ofStep stepID: Int64) throws(StoreError) -> PartnerID? {
        try read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT partner FROM canvas_step WHERE id = ?"), arguments: [stepID]).flatMap(PartnerID.init(rawValue:))
        }
    }

    /// The canvas and workspace a step belongs to.
    public func owner(ofStep stepID: Int64) throws(StoreError) -> (workspaceID: Int64, canvasID: Int64)? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT c.workspace_id, c.id FROM canvas_step s JOIN canvas c ON c.id = s.canvas_id WHERE s.id = ?"),
                             arguments: [stepID]).map { ($0["workspace_id"], $0["id"]) }
        }
    }

    /// Notes why a step's due items cannot be sent now (without claiming them): the step page shows it, and the
    /// items stay pending until the cause is fixed or the deadline passes.
    public func markWaiting(stepID: Int64, errorClass: String, message: String, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE sync_chunk SET error_class = ?, last_error = ?
                WHERE step_id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)
                """, arguments: [errorClass, message, stepID, now.unix])
        }
    }
}

extension Store {
    /// Takes one call from an ad account's budget if the rolling window has room, in one transaction, so
    /// concurrent senders (and a restarted process) never exceed it together.
    /// - Returns: whether the call may be made now.
    public func reserveCall(partner: PartnerID, account: String, budget: CallBudget, now: Date) throws(StoreError) -> Bool {
        try write { db in
            let used = try Self.callsInWindow(db, partner: partner, account: account, budget: budget, now: now)
            guard used < budget.limit else { return false }
            try db.execute(sql: """
                INSERT INTO account_call (partner, account, minute, calls) VALUES (?, ?, ?, 1)
                ON CONFLICT (partner, account, minute) DO UPDATE SET calls = calls + 1
                """, arguments: [partner.rawValue, account, budget.slot(now)])
            try db.execute(sql: "DELETE FROM account_call WHERE partner = ? AND account = ? AND minute < ?",
                           arguments: [partner.rawValue, account, budget.firstSlot(now) - CallBudget.slotsPerWindow])
            return true
        }
    }

    /// Calls made on an ad account in the budget's rolling window ending now.
    public func callsInWindow(partner: PartnerID, account: String, budget: CallBudget, now: Date) throws(StoreError) -> Int {
        try read { db in try Self.callsInWindow(db, partner: partner, account: account, budget: budget, now: now) }
    }

    private static func callsInWindow(_ db: Database, partner: PartnerID, account: String, budget: CallBudget, now: Date) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(calls), 0) FROM account_call WHERE partner = ? AND account = ? AND minute >= ?"),
                         arguments: [partner.rawValue, account, budget.firstSlot(now)]) ?? 0
    }
}
