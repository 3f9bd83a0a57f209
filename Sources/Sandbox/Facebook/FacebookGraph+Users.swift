import Foundation
import GRDB

/// `POST /<ca_id>/users` (add) and `DELETE /<ca_id>/users` (remove, also `POST` with `method=DELETE`).
enum FacebookUsers {
    /// Adds or removes the payload's members. Checks in Graph's order: permission, audience reachable
    /// (counted against its ad account's rate limit), not deleted, terms accepted, payload valid, and for
    /// removals the minimum size. Nothing is written until every check has passed.
    static func change(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState, remove: Bool) throws -> JSON {
        try state.requireManage()
        let (row, account) = try FacebookAudiences.resolve(call, db, &state)
        let deleted: Int = row["deleted"]
        if deleted == 1 { throw GraphError.audienceDeleted }
        try FacebookAudiences.requireUsable(call, accountRow: account)
        let payload = try FacebookPayload.parse(call.params)
        let evaluation = FacebookPayload.evaluate(payload)
        let audienceID: Int64 = row["id"]
        let memberCount: Int = row["member_count"]
        if remove, memberCount < state.config.removeThreshold { throw GraphError.audienceTooSmall }

        var changed = 0
        if remove {
            let statement = try db.cachedStatement(sql: "DELETE FROM fb_audience_members WHERE audience_id = ? AND identity = ?")
            for identity in evaluation.identities {
                try statement.execute(arguments: [audienceID, identity])
                changed += db.changesCount
            }
        } else {
            changed = try add(evaluation, to: audienceID, db)
        }
        let rows = payload.rows.count
        try db.execute(
            sql: """
                UPDATE fb_audiences SET member_count = member_count + ?, rows_added = rows_added + ?,
                    rows_removed = rows_removed + ?, invalid_entries = invalid_entries + ?, time_content_updated = ?
                WHERE id = ?
                """,
            arguments: [remove ? -changed : changed, remove ? 0 : rows, remove ? rows : 0, evaluation.invalidEntries,
                        Int(state.now.timeIntervalSince1970), audienceID])

        let sessionID: String
        var received = rows
        if let session = payload.session {
            sessionID = session.sessionID
            try db.execute(
                sql: """
                    INSERT INTO fb_upload_sessions (audience_id, session_id, num_received, num_invalid_entries, last_batch_seq, finished, started_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (audience_id, session_id) DO UPDATE SET
                        num_received = num_received + excluded.num_received,
                        num_invalid_entries = num_invalid_entries + excluded.num_invalid_entries,
                        last_batch_seq = coalesce(excluded.last_batch_seq, last_batch_seq),
                        finished = max(finished, excluded.finished)
                    """,
                arguments: [audienceID, sessionID, rows, evaluation.invalidEntries, session.batchSeq, session.lastBatch ? 1 : 0,
                            state.now.timeIntervalSince1970])
            received = try Int.fetchOne(db, sql: "SELECT num_received FROM fb_upload_sessions WHERE audience_id = ? AND session_id = ?",
                                        arguments: [audienceID, sessionID]) ?? rows
        } else {
            sessionID = FacebookIDs.sessionID()
        }
        return .object([
            ("audience_id", .string(String(audienceID))), ("session_id", .string(sessionID)),
            ("num_received", .int(received)), ("num_invalid_entries", .int(evaluation.invalidEntries)),
            ("invalid_entry_samples", .object(evaluation.samples.map { ($0.0, JSON.string($0.1)) })),
        ])
    }

    /// Adds the members, returning how many are new. Adds are idempotent: a member already present stays one member,
    /// and its Limited Data Use flag becomes what this upload says, as a re-upload updates a person's options.
    private static func add(_ evaluation: PayloadEvaluation, to audienceID: Int64, _ db: Database) throws -> Int {
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO fb_audience_members (audience_id, identity, ldu) VALUES (?, ?, ?)")
        // Only a changed flag is written: a re-sent batch (at-least-once delivery) leaves its pages untouched.
        let update = try db.cachedStatement(sql: "UPDATE fb_audience_members SET ldu = ?1 WHERE audience_id = ?2 AND identity = ?3 AND ldu != ?1")
        var added = 0
        for identity in evaluation.identities {
            let ldu = evaluation.limitedDataUse.contains(identity) ? 1 : 0
            try insert.execute(arguments: [audienceID, identity, ldu])
            if db.changesCount == 1 { added += 1 } else { try update.execute(arguments: [ldu, audienceID, identity]) }
        }
        return added
    }
}
