import Core
import CrashPoints
import Foundation
import GRDB

/// Why a user is being removed from the audiences they were added to.
public enum RemovalReason: String, Sendable {
    /// Their profile stopped meeting the workspace consent policy.
    case consentWithdrawn = "consent_withdrawn"
    /// They were erased (`/users/delete`, Forget this person).
    case erased
}

/// Removals of one step by state (pending, removed, errored), for the step's figures.
public struct RemovalCounts: Sendable, Equatable {
    /// Waiting to be sent.
    public let pending: Int
    /// Taken out of the audience by the partner.
    public let removed: Int
    /// Given up on (an open problem of the step).
    public let errored: Int
    /// Creates a value.
    public init(pending: Int, removed: Int, errored: Int) { self.pending = pending; self.removed = removed; self.errored = errored }
}

extension Store {
    /// Queues the removal of `externalID` from every audience a step of the workspace added them to — the steps whose
    /// action is add and that sent them or are sending them now — in the caller's transaction. A removal of a user whose
    /// add is in flight waits until that claim's lease ends, so it cannot arrive before the add. Steps that only removed
    /// the user are left alone. `subject` is what the removal is recorded under (the external id, or an erasure's
    /// tombstone). `chunks` is the request's cache of chunk rows: pass one per transaction, so users who share a chunk
    /// decode it once. Returns how many removals were queued.
    @discardableResult
    static func queueRemovals(_ db: Database, workspaceID: Int64, externalID: String, subject: String, reason: RemovalReason, now: Date,
                              chunks: ChunkRowsCache) throws -> Int {
        try queueStepRemovals(db, workspaceID: workspaceID, externalID: externalID, subject: subject, reason: reason, now: now, chunks: chunks)
            + queueExportRemovals(db, workspaceID: workspaceID, externalID: externalID, subject: subject, reason: reason, now: now)
    }

    private static func queueStepRemovals(_ db: Database, workspaceID: Int64, externalID: String, subject: String, reason: RemovalReason,
                                          now: Date, chunks: ChunkRowsCache) throws -> Int {
        // The user's slots in chunks of add steps that sent them or are sending them now. A slot's row is read from its
        // chunk in Swift, each chunk once: `json_extract` on the chunk's rows text parsed the whole chunk (10,000 rows)
        // per slot, and a person named in 20,000 slots took over a minute to erase.
        let places = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT i.step_id, i.id, u.slot, i.schema, CASE WHEN i.state = 'pending' THEN i.lease_until ELSE 0 END AS busy_until
            FROM chunk_user u JOIN sync_chunk i ON i.id = u.chunk_id JOIN canvas_step s ON s.id = i.step_id JOIN canvas c ON c.id = s.canvas_id
            WHERE c.workspace_id = ?2 AND u.external_id = ?3 AND s.action = 'add'
              AND (i.state = 'synced' OR (i.state = 'pending' AND i.claim_id IS NOT NULL AND i.lease_until >= ?1))
            ORDER BY i.step_id, i.id, u.slot
            """), arguments: [now.unix, workspaceID, externalID])
        // One removal per step, with the first of its rows still holding values, sent once every add of theirs in
        // flight has landed or its lease ended (so it cannot arrive before the add).
        var removals: [Int64: (schema: String, row: [String])] = [:], busyUntil: [Int64: Double] = [:]
        for place in places {
            let step: Int64 = place[0], chunkID: Int64 = place[1], slot: Int = place[2]
            busyUntil[step] = max(busyUntil[step] ?? 0, place[4] as Double)
            guard removals[step] == nil else { continue }
            let rows = try chunks.rows(db, chunkID: chunkID)
            guard rows.indices.contains(slot), !rows[slot].isEmpty else { continue }
            removals[step] = (place[3], rows[slot])
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO removal_item (step_id, subject, reason, schema, row, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for (step, removal) in removals.sorted(by: { $0.key < $1.key }) {
            try insert.execute(arguments: [step, subject, reason.rawValue, removal.schema, JSONText.stringArray(removal.row),
                                           max(now.unix, busyUntil[step] ?? 0), now.unix])
        }
        return removals.count
    }

    /// Segment exports keep no list of whom they sent, so a user is removed from every export audience whose walk has
    /// passed their profile row and for whose field they have a value — the export's own preparation of that value, from
    /// the profile as it is now (before an erasure deletes it). Removing someone an export skipped is harmless: the
    /// partner's removal call is idempotent.
    private static func queueExportRemovals(_ db: Database, workspaceID: Int64, externalID: String, subject: String, reason: RemovalReason,
                                            now: Date) throws -> Int {
        guard let profile = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, attributes FROM profile WHERE workspace_id = ? AND external_id = ?"),
                                             arguments: [workspaceID, externalID]) else { return 0 }
        let identifiers = ProfileIdentifiers(externalID: externalID, attributes: ProfileValue.parseObject(json: profile["attributes"]) ?? [:])
        let audiences = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT a.export_id, a.field FROM segment_export_audience a JOIN segment_export e ON e.id = a.export_id
            WHERE e.workspace_id = ? AND a.audience_id IS NOT NULL AND a.cursor >= ?
            """), arguments: [workspaceID, profile["id"] as Int64])
        var queued = 0
        for audience in audiences {
            guard let field = ExportField(rawValue: audience["field"]) else { continue }
            let value = field.prepared(identifiers)
            guard !value.isEmpty else { continue }
            try db.execute(sql: """
                INSERT INTO removal_item (export_id, export_field, subject, reason, schema, row, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [audience["export_id"] as Int64, field.rawValue, subject, reason.rawValue,
                                 JSONText.stringArray([FacebookIdentifiers.schemaKey(field.identifier)]), JSONText.stringArray([value]),
                                 now.unix, now.unix])
            queued += 1
        }
        return queued
    }

    /// One export audience's due removals: where they go and how many.
    public struct ExportRemovals: Sendable, Equatable {
        /// The export.
        public let exportID: Int64
        /// Its workspace.
        public let workspaceID: Int64
        /// The export audience's field.
        public let field: ExportField
        /// The Facebook audience.
        public let audienceID: String
        /// The export's ad account.
        public let adAccountID: String
    }

    /// Export audiences with removals ready to send now.
    public func dueExportRemovals(now: Date) throws(StoreError) -> [ExportRemovals] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT r.export_id, e.workspace_id, r.export_field, a.audience_id, e.ad_account_id
                FROM removal_item r JOIN segment_export e ON e.id = r.export_id
                JOIN segment_export_audience a ON a.export_id = r.export_id AND a.field = r.export_field
                WHERE r.export_id IS NOT NULL AND r.state = 'pending' AND r.next_attempt_at <= ?1 AND (r.lease_until IS NULL OR r.lease_until < ?1)
                """), arguments: [now.unix]).compactMap { row in
                guard let field = ExportField(rawValue: row["export_field"]) else { return nil }
                return ExportRemovals(exportID: row["export_id"], workspaceID: row["workspace_id"], field: field, audienceID: row["audience_id"],
                                      adAccountID: row["ad_account_id"])
            }
        }
    }

    /// Claims up to `limit` due removals of one export audience (fenced like sync items).
    public func claimExportRemovals(_ target: ExportRemovals, limit: Int, claimID: String, leaseUntil: Date, now: Date) throws(StoreError) -> [ClaimedItem] {
        try write { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                UPDATE removal_item SET claim_id = ?1, lease_until = ?2, attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?3)
                WHERE id IN (SELECT id FROM removal_item WHERE export_id = ?4 AND export_field = ?5 AND state = 'pending' AND next_attempt_at <= ?3
                             AND (lease_until IS NULL OR lease_until < ?3) ORDER BY id LIMIT ?6)
                RETURNING id, subject AS external_id, schema, row, attempts, first_attempt_at
                """), arguments: [claimID, leaseUntil.unix, now.unix, target.exportID, target.field.rawValue, limit]).map(Self.claimed(from:))
        }
    }

    /// An export's removals by state (pending, removed, errored).
    public func exportRemovalCounts(exportID: Int64) throws(StoreError) -> RemovalCounts {
        try removalCounts(column: "export_id", id: exportID)
    }

    /// Upserts `updates` and queues withdrawal removals for their users who met the workspace consent policy before and
    /// do not after. Only an update that sets one of the policy's attributes can do that, so others are not read (the
    /// common case costs nothing). Runs in the caller's transaction. Returns the text of the profiles it created (see
    /// `upsert`).
    @discardableResult
    static func upsertDetectingWithdrawals(_ db: Database, workspaceID: Int64, _ updates: [ProfileUpdate], now: Date) throws -> [String: String] {
        let policy = try consentPolicy(db, workspaceID: workspaceID)
        let touching = updates.filter { policy.mayChangeStanding($0) }
        guard !touching.isEmpty else { return try upsert(db, workspaceID: workspaceID, updates, now: now) }
        try noteConsentChange(db, workspaceID: workspaceID, touching, policy: policy)
        let read = try db.cachedStatement(sql: "SELECT attributes FROM profile WHERE workspace_id = ? AND external_id = ?")
        var before: [String: String?] = [:]
        for update in touching where before[update.externalID] == nil {
            before[update.externalID] = .some(try String.fetchOne(read, arguments: [workspaceID, update.externalID]))
        }
        let created = try upsert(db, workspaceID: workspaceID, updates, now: now)
        let chunks = ChunkRowsCache()
        // A profile this write created withdrew nothing: only those that existed are read again.
        for case (let externalID, let old?) in before {
            try queueWithdrawal(db, workspaceID: workspaceID, externalID: externalID, before: old,
                                after: try String.fetchOne(read, arguments: [workspaceID, externalID]), policy: policy, now: now, chunks: chunks)
        }
        return created
    }

    /// Queues the removals of a user whose profile met `policy` before a write (`before`, nil: there was none) and does
    /// not after it — a withdrawal — in the caller's transaction. Writes that already read both sides call it directly.
    static func queueWithdrawal(_ db: Database, workspaceID: Int64, externalID: String, before: String?, after: String?, policy: ConsentPolicy,
                                now: Date, chunks: ChunkRowsCache) throws {
        guard let before, let after, policy.blockingCondition(attributesJSON: before) == nil,
              policy.blockingCondition(attributesJSON: after) != nil else { return }
        try queueRemovals(db, workspaceID: workspaceID, externalID: externalID, subject: externalID, reason: .consentWithdrawn, now: now,
                          chunks: chunks)
    }

    /// Erases the workspace's users `externalIDs`: removals from every audience a step added them to are queued under a
    /// tombstone (`tombstone(externalID)`, a keyed hash), then the profile, its delayed entries' link, its queued items
    /// and every stored identifier go, in one transaction. Items already sent keep only the tombstone and no values, so
    /// the figures still add up; items waiting to sync leave the queue as Not Synced (erased). Each removal's values
    /// are wiped once the partner has taken it, and the WAL is emptied. Returns how many of the ids were known.
    public func erase(workspaceID: Int64, externalIDs: [String], now: Date, tombstone: (String) -> String) throws(StoreError) -> Int {
        let known = try write { db in
            var known = 0
            var edits = ErasedSlots()
            let chunks = ChunkRowsCache()   // the slots are emptied after the loop: the rows read stay true until then
            for externalID in Set(externalIDs) {
                let subject = tombstone(externalID)
                let removals = try Self.queueRemovals(db, workspaceID: workspaceID, externalID: externalID, subject: subject, reason: .erased,
                                                      now: now, chunks: chunks)
                try db.execute(sql: "DELETE FROM profile WHERE workspace_id = ? AND external_id = ?", arguments: [workspaceID, externalID])
                let hadProfile = db.changesCount > 0
                let hadItems = try Self.scrubItems(db, workspaceID: workspaceID, externalID: externalID, subject: subject, into: &edits)
                guard hadProfile || hadItems else { continue }
                known += 1
                try db.execute(sql: """
                    INSERT INTO erasure (workspace_id, subject, erased_at, removals) VALUES (?, ?, ?, ?)
                    ON CONFLICT (workspace_id, subject) DO UPDATE SET erased_at = excluded.erased_at, removals = removals + excluded.removals
                    """, arguments: [workspaceID, subject, now.unix, removals])
            }
            try edits.apply(db, now: now)
            CrashPoints.reach(.erasureCommit)   // test-only: a kill here must roll the whole erasure back
            return known
        }
        // The erased rows' old page images are still in the WAL until it is emptied: empty it now (best effort — under
        // load a reader can hold it, and the store's own WAL restarts and journal size limit finish the job).
        if known > 0 { try? checkpoint() }
        return known
    }

    /// The chunk slots an erasure empties, gathered over the whole request and applied with one read and one write per
    /// chunk: erasing 1,000 people of a 10,000-user chunk one by one rewrote that chunk 1,000 times (a minute a request).
    private struct ErasedSlots {
        /// Never sent: they leave the queue (and its figures) as Not Synced — erased. By chunk: its step and the slots.
        var pending: [Int64: (stepID: Int64, slots: Set<Int>)] = [:]
        /// Sent or given up: the slots stay (the step's figures count them) under the tombstone. By chunk: slot → tombstone.
        var finished: [Int64: [Int: String]] = [:]

        func apply(_ db: Database, now: Date) throws {
            var waiting: [Int64: Int] = [:]
            for (chunkID, chunk) in pending {
                let taken = try SyncChunks.vacate(db, chunkID: chunkID, slots: Array(chunk.slots))
                waiting[chunk.stepID, default: 0] += taken.count
            }
            for (chunkID, subjects) in finished { try SyncChunks.tombstone(db, chunkID: chunkID, subjects: subjects) }
            for (step, count) in waiting {
                try countItems(db, stepID: step, state: "pending", by: -count)
                try addMetric(db, stepID: step, metric: StepMetric.notSyncedErased.rawValue, count: count, now: now)
            }
        }
    }

    /// Takes an erased user's identifiers out of every table of the workspace (in the caller's transaction; their chunk
    /// slots into `edits`, applied once for the request); returns whether any row named them.
    private static func scrubItems(_ db: Database, workspaceID: Int64, externalID: String, subject: String, into edits: inout ErasedSlots) throws -> Bool {
        let ofWorkspace = "step_id IN (SELECT s.id FROM canvas_step s JOIN canvas c ON c.id = s.canvas_id WHERE c.workspace_id = ?)"
        let places = try Row.fetchAll(db, sql: """
            SELECT u.chunk_id, u.slot, i.step_id, i.state FROM chunk_user u JOIN sync_chunk i ON i.id = u.chunk_id
            WHERE u.external_id = ? AND i.\(ofWorkspace)
            """, arguments: [externalID, workspaceID])
        for place in places {
            let chunkID: Int64 = place["chunk_id"], slot: Int = place["slot"]
            if place["state"] as String == "pending" {
                edits.pending[chunkID, default: (place["step_id"], [])].slots.insert(slot)
            } else {
                edits.finished[chunkID, default: [:]][slot] = subject
            }
        }
        var changed = places.count
        try db.execute(sql: "UPDATE sync_block SET external_id = ? WHERE external_id = ? AND \(ofWorkspace)", arguments: [subject, externalID, workspaceID])
        changed += db.changesCount
        try db.execute(sql: """
            UPDATE removal_item SET subject = ? WHERE subject = ?
              AND (\(ofWorkspace) OR export_id IN (SELECT id FROM segment_export WHERE workspace_id = ?))
            """, arguments: [subject, externalID, workspaceID, workspaceID])
        try db.execute(sql: """
            UPDATE canvas_entry SET external_id = ? WHERE external_id = ? AND canvas_id IN (SELECT id FROM canvas WHERE workspace_id = ?)
            """, arguments: [subject, externalID, workspaceID])
        changed += db.changesCount
        return changed > 0
    }

    /// Steps with removals ready to send now, and how many.
    public func dueRemovalDestinations(now: Date) throws(StoreError) -> [(stepID: Int64, partner: PartnerID?, due: Int)] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT r.step_id, s.partner, count(*) AS due FROM removal_item r JOIN canvas_step s ON s.id = r.step_id
                WHERE r.step_id IS NOT NULL AND r.state = 'pending' AND r.next_attempt_at <= ?1 AND (r.lease_until IS NULL OR r.lease_until < ?1)
                GROUP BY r.step_id ORDER BY min(r.id)
                """), arguments: [now.unix]).map { ($0["step_id"], ($0["partner"] as String?).flatMap(PartnerID.init(rawValue:)), $0["due"]) }
        }
    }

    /// Claims up to `limit` due removals of a step under `claimID` until `leaseUntil` (fenced like sync items).
    public func claimRemovals(stepID: Int64, limit: Int, claimID: String, leaseUntil: Date, now: Date) throws(StoreError) -> [ClaimedItem] {
        try write { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                UPDATE removal_item SET claim_id = ?1, lease_until = ?2, attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?3)
                WHERE id IN (SELECT id FROM removal_item WHERE step_id = ?4 AND state = 'pending' AND next_attempt_at <= ?3
                             AND (lease_until IS NULL OR lease_until < ?3) ORDER BY id LIMIT ?5)
                RETURNING id, subject AS external_id, schema, row, attempts, first_attempt_at
                """), arguments: [claimID, leaseUntil.unix, now.unix, stepID, limit]).map(Self.claimed(from:)).sorted { $0.id < $1.id }
        }
    }

    /// Records removal outcomes for items still claimed under `claimID`. A removal the partner took keeps no values,
    /// in the file nor in its WAL. Returns how many were recorded.
    @discardableResult
    public func finishRemovals(claimID: String, outcomes: [(ids: [Int64], outcome: ItemOutcome)], now: Date) throws(StoreError) -> Int {
        let recorded = try write { db in
            var changed = 0
            for (ids, outcome) in outcomes where !ids.isEmpty {
                let matching = "WHERE id IN (SELECT value FROM json_each(?)) AND claim_id = ?"
                let idList = "[" + ids.map(String.init).joined(separator: ",") + "]"
                switch outcome {
                case .synced:
                    try db.execute(sql: """
                        UPDATE removal_item SET state = 'removed', finished_at = ?, claim_id = NULL, lease_until = NULL, schema = '[]', row = '[]',
                            error_class = NULL, last_error = NULL \(matching)
                        """, arguments: [now.unix, idList, claimID])
                case .retry(let at, let errorClass, let message):
                    try db.execute(sql: """
                        UPDATE removal_item SET next_attempt_at = ?, claim_id = NULL, lease_until = NULL, error_class = ?, last_error = ? \(matching)
                        """, arguments: [at.unix, errorClass, message, idList, claimID])
                case .errored(let errorClass, let message):
                    try db.execute(sql: """
                        UPDATE removal_item SET state = 'errored', finished_at = ?, claim_id = NULL, lease_until = NULL, error_class = ?, last_error = ?
                        \(matching)
                        """, arguments: [now.unix, errorClass, message, idList, claimID])
                }
                changed += db.changesCount
            }
            return changed
        }
        // The removed values are wiped in the file, but the WAL still holds the frames written before: empty it (best
        // effort — a reader holding the WAL only delays this to the store's own restarts).
        if outcomes.contains(where: { $0.outcome == .synced && !$0.ids.isEmpty }) { try? checkpoint() }
        return recorded
    }

    /// A step's removals by state.
    public func removalCounts(stepID: Int64) throws(StoreError) -> RemovalCounts {
        try removalCounts(column: "step_id", id: stepID)
    }

    /// Removals by state of one destination, a step's (`step_id`) or an export's (`export_id`): both are indexed with the state.
    private func removalCounts(column: String, id: Int64) throws(StoreError) -> RemovalCounts {
        try read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT state, count(*) AS n FROM removal_item WHERE \(column) = ? GROUP BY state"),
                                     arguments: [id])   // two texts only (step_id, export_id): each prepared once per connection
            let counts = Dictionary(uniqueKeysWithValues: rows.map { ($0["state"] as String, $0["n"] as Int) })
            return RemovalCounts(pending: counts["pending"] ?? 0, removed: counts["removed"] ?? 0, errored: counts["errored"] ?? 0)
        }
    }

    /// Whether the workspace has a tombstone for `subject` (an erasure's keyed hash), and when it was erased.
    public func erasedAt(workspaceID: Int64, subject: String) throws(StoreError) -> Date? {
        try read { db in
            try Double.fetchOne(db.cachedStatement(sql: "SELECT erased_at FROM erasure WHERE workspace_id = ? AND subject = ?"), arguments: [workspaceID, subject])
                .map(Date.init(unix:))
        }
    }
}

/// The rows of the chunks a request's removals were last read from, within one transaction that does not change them:
/// the users of one request usually share chunks, and decoding a 10,000-row chunk once per user made a 1,000-person
/// withdrawal decode it 1,000 times. Keeps the last few chunks only, so memory stays bounded whatever the request.
final class ChunkRowsCache {
    private var kept: [(id: Int64, rows: [[String]])] = []
    private static let capacity = 4

    /// The rows of `chunkID` (empty when it is gone).
    func rows(_ db: Database, chunkID: Int64) throws -> [[String]] {
        if let index = kept.firstIndex(where: { $0.id == chunkID }) { return kept[index].rows }
        let rows = try SyncChunks.load(db, chunkID: chunkID)?.rows ?? []
        if kept.count == Self.capacity { kept.removeFirst() }
        kept.append((chunkID, rows))
        return rows
    }
}
