import Core
import Foundation
import GRDB

/// What changing the consent policy would do to users already on their way to partners.
public struct ConsentPolicyEffect: Sendable, Equatable {
    /// Users waiting to sync in some step whom the new policy would keep back (and the old one let through).
    public let pendingUsers: Int
    /// Users already sent to some audience whom the new policy would keep from further sends.
    public let syncedUsers: Int
    /// Users the new policy lets through whom the old one kept back.
    public let releasedUsers: Int
}

extension Store {
    /// The workspace's consent policy: `ConsentPolicy.standard` until an admin changes it, and also when the stored
    /// text cannot be read (a damaged policy must never mean "no conditions").
    public func consentPolicy(workspaceID: Int64) throws(StoreError) -> ConsentPolicy {
        try read { db in try Self.consentPolicy(db, workspaceID: workspaceID) }
    }

    static func consentPolicy(_ db: Database, workspaceID: Int64) throws -> ConsentPolicy {
        try String.fetchOne(db.cachedStatement(sql: "SELECT policy FROM consent_policy WHERE workspace_id = ?"), arguments: [workspaceID])
            .flatMap(ConsentPolicy.init(jsonText:)) ?? .standard
    }

    /// Replaces the workspace's consent policy; it applies to every claim and export page from the next one on.
    public func setConsentPolicy(workspaceID: Int64, _ policy: ConsentPolicy, by userID: Int64?, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO consent_policy (workspace_id, policy, updated_at, updated_by) VALUES (?, ?, ?, ?)
                ON CONFLICT (workspace_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, arguments: [workspaceID, policy.jsonText, now.unix, userID])
            try Self.noteConsentChange(db, workspaceID: workspaceID)
        }
    }

    /// The workspace's consent version: it goes up with every write that may change whether some user meets the consent
    /// policy (the policy itself, or a profile attribute the policy reads). A chunk entered under the current version
    /// was decided on exactly what the claim would screen, so the claim need not screen it again.
    static func consentVersion(_ db: Database, workspaceID: Int64) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT consent_version FROM workspace WHERE id = ?"), arguments: [workspaceID]) ?? 0
    }

    /// The consent version of the workspace that owns `stepID`, or -1 (which no chunk holds) when there is none.
    static func consentVersion(_ db: Database, stepID: Int64) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: """
            SELECT w.consent_version FROM canvas_step s JOIN canvas c ON c.id = s.canvas_id JOIN workspace w ON w.id = c.workspace_id WHERE s.id = ?
            """), arguments: [stepID]) ?? -1
    }

    /// Moves the consent version on, in the caller's transaction, when one of `updates` sets an attribute `policy` reads:
    /// the only profile writes that can change a user's standing.
    static func noteConsentChange(_ db: Database, workspaceID: Int64, _ updates: [ProfileUpdate], policy: ConsentPolicy) throws {
        if updates.contains(where: policy.mayChangeStanding) { try noteConsentChange(db, workspaceID: workspaceID) }
    }

    /// Records, in the caller's transaction, a write that may change some user's standing under the consent policy.
    static func noteConsentChange(_ db: Database, workspaceID: Int64) throws {
        try db.cachedStatement(sql: "UPDATE workspace SET consent_version = consent_version + 1 WHERE id = ?").execute(arguments: [workspaceID])
    }

    /// How many users of the workspace's canvases would be affected by replacing `old` with `new`: one pass over
    /// the users with sync items, each profile read once. An admin action, run before the confirmation page.
    public func consentPolicyEffect(workspaceID: Int64, from old: ConsentPolicy, to new: ConsentPolicy) throws(StoreError) -> ConsentPolicyEffect {
        try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT p.attributes, max(i.state = 'pending') AS pending, max(i.state = 'synced') AS synced
                FROM chunk_user u JOIN sync_chunk i ON i.id = u.chunk_id JOIN canvas_step s ON s.id = i.step_id JOIN canvas c ON c.id = s.canvas_id
                JOIN profile p ON p.workspace_id = c.workspace_id AND p.external_id = u.external_id
                WHERE c.workspace_id = ? GROUP BY p.id
                """, arguments: [workspaceID])
            var pending = 0, synced = 0, released = 0
            while let row = try rows.next() {
                let json: String = row["attributes"]
                let wasBlocked = old.blockingCondition(attributesJSON: json) != nil
                let isBlocked = new.blockingCondition(attributesJSON: json) != nil
                if isBlocked && !wasBlocked {
                    if row["pending"] as Bool { pending += 1 }
                    if row["synced"] as Bool { synced += 1 }
                } else if wasBlocked && !isBlocked {
                    released += 1
                }
            }
            return ConsentPolicyEffect(pendingUsers: pending, syncedUsers: synced, releasedUsers: released)
        }
    }

    /// Users the consent policy kept from a step, by the condition they failed, over the ledger's 30 days.
    public func consentBlocksByReason(stepID: Int64) throws(StoreError) -> [String: Int] {
        try read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db.cachedStatement(sql: "SELECT reason, count(*) AS n FROM sync_block WHERE step_id = ? GROUP BY reason"),
                                                              arguments: [stepID]).map { ($0["reason"] as String, $0["n"] as Int) })
        }
    }

    /// Records users the consent policy kept from steps, for the ledger (in the caller's transaction).
    static func recordBlocks(_ db: Database, externalID: String, _ blocks: [ConsentBlock], now: Date) throws {
        guard !blocks.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT INTO sync_block (step_id, external_id, at, reason) VALUES (?, ?, ?, ?)")
        for block in blocks { try insert.execute(arguments: [block.stepID, externalID, now.unix, block.reason]) }
    }

    /// The last gate of the sync queue, inside the claim's transaction: claimed items of users whose stored profile fails
    /// `policy` (nil: not screened) are taken out of the queue and counted Not Synced — no consent, so they never reach
    /// the partner. Returns the items that may be sent.
    /// The claim calls it only for chunks entered under an older consent version than the workspace's.
    static func screen(_ db: Database, stepID: Int64, _ items: [ClaimedItem], policy: ConsentPolicy?, now: Date) throws -> [ClaimedItem] {
        guard !items.isEmpty, let policy, !policy.conditions.isEmpty else { return items }
        // When only an explicit answer blocks, SQLite leaves out the profiles that mention none of the policy's attributes
        // (most of them), so they are never copied out nor searched here.
        let needles = policy.onlyOptOutsBlock ? policy.keyNeedles : []
        let mentions = needles.isEmpty ? "" : " AND (" + needles.map { _ in "instr(p.attributes, ?) > 0" }.joined(separator: " OR ") + ")"
        let attributes = try Row.fetchAll(db, sql: """
            SELECT p.external_id, p.attributes FROM profile p
            WHERE p.workspace_id = (SELECT c.workspace_id FROM canvas_step s JOIN canvas c ON c.id = s.canvas_id WHERE s.id = ?)
              AND p.external_id IN (SELECT value FROM json_each(?))\(mentions)
            """, arguments: StatementArguments([stepID, JSONText.stringArray(items.map(\.externalID))] as [any DatabaseValueConvertible] + needles))
        var reasons: [String: String] = [:]
        for row in attributes {
            if let condition = policy.blockingCondition(attributesJSON: row["attributes"]) { reasons[row["external_id"]] = condition.reason }
        }
        guard !reasons.isEmpty else { return items }
        let (blocked, allowed) = (items.filter { reasons[$0.externalID] != nil }, items.filter { reasons[$0.externalID] == nil })
        for (chunkID, items) in Dictionary(grouping: blocked, by: { SyncChunks.place(ofItem: $0.id).chunkID }) {
            try SyncChunks.vacate(db, chunkID: chunkID, slots: items.map { SyncChunks.place(ofItem: $0.id).slot })
        }
        try countItems(db, stepID: stepID, state: "pending", by: -blocked.count)
        try addMetric(db, stepID: stepID, metric: StepMetric.notSyncedNoConsent.rawValue, count: blocked.count, now: now)
        for item in blocked { try recordBlocks(db, externalID: item.externalID, [ConsentBlock(stepID: stepID, reason: reasons[item.externalID]!)], now: now) }
        return allowed
    }
}
