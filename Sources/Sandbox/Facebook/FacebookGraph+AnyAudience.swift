import Foundation
import GRDB

/// `DELETE /act_<id>/usersofanyaudience` (also `POST` with `method=DELETE`): takes the payload's people out of every
/// customer-file audience of the ad account in one call, the opt-out removal of partners.md §1.4. Same payload and
/// checks as `DELETE /<ca_id>/users` — permission, account reachable (one call against its rate limit), terms, payload
/// valid — except the minimum audience size, which guards one audience's delivery and does not apply to an opt-out.
enum FacebookAnyAudience {
    static func remove(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        try state.requireManage()
        let (accountID, accountRow) = try FacebookAdAccounts.resolve(call, db, &state)
        try FacebookRateLimit.charge(db, accountID: accountID, audienceID: nil, state: &state)
        try FacebookAudiences.requireUsable(call, accountRow: accountRow)
        let payload = try FacebookPayload.parse(call.params)
        let evaluation = FacebookPayload.evaluate(payload)
        let audiences = try Int64.fetchAll(db, sql: "SELECT id FROM fb_audiences WHERE account_id = ? AND deleted = 0 AND subtype = 'CUSTOM'",
                                           arguments: [accountID])
        let remove = try db.cachedStatement(sql: "DELETE FROM fb_audience_members WHERE audience_id = ? AND identity = ?")
        for audienceID in audiences {
            var removed = 0
            for identity in evaluation.identities {
                try remove.execute(arguments: [audienceID, identity])
                removed += db.changesCount
            }
            guard removed > 0 else { continue }
            try db.execute(sql: """
                UPDATE fb_audiences SET member_count = member_count - ?, rows_removed = rows_removed + ?, time_content_updated = ? WHERE id = ?
                """, arguments: [removed, removed, Int(state.now.timeIntervalSince1970), audienceID])
        }
        return .object([
            ("num_received", .int(payload.rows.count)), ("num_invalid_entries", .int(evaluation.invalidEntries)),
            ("invalid_entry_samples", .object(evaluation.samples.map { ($0.0, JSON.string($0.1)) })),
        ])
    }
}
