import Core
import Foundation
import GRDB

/// Removals that one account-wide call can take instead of one call per audience (Meta's `usersofanyaudience`): the
/// same person — the same subject with the same values under the same schema — due to leave two or more audiences of
/// one ad account of one workspace, whether steps or segment exports added them.
public struct AccountRemovals: Sendable, Equatable {
    /// The workspace whose connection makes the call.
    public let workspaceID: Int64
    /// The ad account, as its steps and exports name it.
    public let account: String
    /// The schema every claimed row has.
    public let schema: [String]
}

/// An account-wide claim: the removal items and the steps they belong to (for the steps' activity and alerts).
public struct AccountRemovalClaim: Sendable, Equatable {
    /// The claimed removal items; the same person appears once per audience.
    public let items: [ClaimedItem]
    /// How many of them each step has (exports' items belong to no step).
    public let itemsByStep: [Int64: Int]
}

extension Store {
    /// Due Facebook removals with where they would go: one row per item, with its workspace, its ad account (without
    /// `act_`, so steps and exports that spell it differently group together) and its audience. A step's audience is
    /// its own or, for "from step", the audience of the step it names.
    private static func dueFacebookRemovals(now: String) -> String {
        """
        due AS (
          SELECT r.id, r.step_id, r.subject, r.schema, r.row, c.workspace_id AS workspace, s.ad_account_id AS account,
                 coalesce(s.audience_external_id, src.audience_external_id) AS audience
          FROM removal_item r JOIN canvas_step s ON s.id = r.step_id JOIN canvas c ON c.id = s.canvas_id
          LEFT JOIN canvas_step src ON src.id = s.audience_source_step
          WHERE r.step_id IS NOT NULL AND s.partner = 'facebook' AND r.state = 'pending' AND r.next_attempt_at <= \(now)
            AND (r.lease_until IS NULL OR r.lease_until < \(now))
          UNION ALL
          SELECT r.id, NULL, r.subject, r.schema, r.row, e.workspace_id, e.ad_account_id, a.audience_id
          FROM removal_item r JOIN segment_export e ON e.id = r.export_id
          JOIN segment_export_audience a ON a.export_id = r.export_id AND a.field = r.export_field
          WHERE r.export_id IS NOT NULL AND r.state = 'pending' AND r.next_attempt_at <= \(now)
            AND (r.lease_until IS NULL OR r.lease_until < \(now))
        ),
        placed AS (
          SELECT id, step_id, subject, schema, row, workspace, audience, account AS named,
                 CASE WHEN account LIKE 'act\\_%' ESCAPE '\\' THEN substr(account, 5) ELSE account END AS account
          FROM due WHERE audience IS NOT NULL AND account IS NOT NULL
        ),
        shared AS (
          SELECT workspace, account, schema, subject, row, min(id) AS first, min(named) AS named FROM placed
          GROUP BY workspace, account, schema, subject, row HAVING count(DISTINCT audience) >= 2
        )
        """
    }

    /// Facebook ad accounts where some person is due to leave two or more audiences: there one account-wide call is
    /// cheaper than one call per audience. Oldest first.
    public func dueAccountWideRemovals(now: Date) throws(StoreError) -> [AccountRemovals] {
        try read { db in
            // The interpolated text is a constant: the statement is prepared once per connection.
            try Row.fetchAll(db.cachedStatement(sql: """
                WITH \(Self.dueFacebookRemovals(now: "?1"))
                SELECT workspace, min(named) AS named, schema FROM shared GROUP BY workspace, account, schema ORDER BY min(first)
                """), arguments: [now.unix]).map { row in
                AccountRemovals(workspaceID: row["workspace"], account: row["named"], schema: JSONText.parseStringArray(row["schema"]) ?? [])
            }
        }
    }

    /// Claims, under `claimID` until `leaseUntil`, every due removal of up to `limit` people of `target` who are due
    /// to leave two or more of its audiences (fenced like every queue item: a step's or export's own sender cannot
    /// take them meanwhile).
    public func claimAccountWideRemovals(_ target: AccountRemovals, limit: Int, claimID: String, leaseUntil: Date,
                                         now: Date) throws(StoreError) -> AccountRemovalClaim {
        try write { db in
            let rows = try Row.fetchAll(db, sql: """
                WITH \(Self.dueFacebookRemovals(now: "?3")),
                people AS (
                  SELECT subject, row FROM shared
                  WHERE workspace = ?4 AND account = ?5 AND json(schema) = json(?6)
                  ORDER BY first LIMIT ?7
                ),
                chosen AS (
                  SELECT p.id FROM placed p JOIN people USING (subject, row)
                  WHERE p.workspace = ?4 AND p.account = ?5 AND json(p.schema) = json(?6)
                )
                UPDATE removal_item SET claim_id = ?1, lease_until = ?2, attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, ?3)
                WHERE id IN (SELECT id FROM chosen)
                RETURNING id, step_id, subject AS external_id, schema, row, attempts, first_attempt_at
                """, arguments: [claimID, leaseUntil.unix, now.unix, target.workspaceID,
                                 target.account.hasPrefix("act_") ? String(target.account.dropFirst(4)) : target.account,
                                 JSONText.stringArray(target.schema), limit])
            let steps = rows.compactMap { $0["step_id"] as Int64? }
            return AccountRemovalClaim(items: rows.map(Self.claimed(from:)).sorted { $0.id < $1.id },
                                       itemsByStep: Dictionary(steps.map { ($0, 1) }, uniquingKeysWith: +))
        }
    }
}
