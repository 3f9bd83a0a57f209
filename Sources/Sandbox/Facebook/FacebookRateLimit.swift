import Foundation
import GRDB

/// The Custom Audience rate limit of one ad account (partners.md §1.6): calls on a rolling one-hour window,
/// at most `hourly base + 40 × active audiences` of the account. Every counted response carries Graph's
/// `X-Business-Use-Case-Usage` header; a call over the limit is not performed and answers 80003/2446079.
enum FacebookRateLimit {
    static let window: TimeInterval = 3600
    static let callsPerActiveAudience = 40

    /// Counts one call against `accountID` (and `audienceID`'s request counter), or records a rejection and
    /// throws the throttle error. Runs inside the call's IMMEDIATE transaction, so concurrent calls cannot
    /// both take the last slot.
    static func charge(_ db: Database, accountID: Int, audienceID: Int64?, state: inout GraphContextState) throws {
        let now = state.now.timeIntervalSince1970
        let windowStart = now - window
        try db.execute(sql: "DELETE FROM fb_calls WHERE account_id = ? AND at <= ?", arguments: [accountID, windowStart])
        let active = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fb_audiences WHERE account_id = ? AND deleted = 0",
                                      arguments: [accountID]) ?? 0
        let limit = state.config.hourlyCallLimit + callsPerActiveAudience * active
        let used = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fb_calls WHERE account_id = ?", arguments: [accountID]) ?? 0
        if let audienceID {
            try db.execute(sql: "UPDATE fb_audiences SET request_count = request_count + 1 WHERE id = ?", arguments: [audienceID])
        }
        if used >= limit {
            // Access comes back when the oldest (used - limit + 1) calls have left the window.
            let leaving = try Double.fetchOne(db, sql: "SELECT at FROM fb_calls WHERE account_id = ? ORDER BY at LIMIT 1 OFFSET ?",
                                              arguments: [accountID, used - limit])
            let seconds = leaving.map { $0 + window - now } ?? window
            let minutes = max(1, Int((seconds / 60).rounded(.up)))
            try db.execute(sql: "INSERT INTO fb_rate_rejections (account_id, audience_id, at) VALUES (?, ?, ?)",
                           arguments: [accountID, audienceID, now])
            state.trace.headers.append(header(accountID: accountID, percent: 100, regainMinutes: minutes))
            throw GraphError.rateLimited
        }
        try db.execute(sql: "INSERT INTO fb_calls (account_id, at) VALUES (?, ?)", arguments: [accountID, now])
        let percent = limit == 0 ? 100 : min(100, (used + 1) * 100 / limit)
        state.trace.headers.append(header(accountID: accountID, percent: percent, regainMinutes: 0))
    }

    /// `X-Business-Use-Case-Usage: {"<account id>":[{"type":"custom_audience",…}]}`. The sandbox does not
    /// measure CPU or wall time, so both report the call-count percentage: the tightest of the three is what a
    /// client backs off on.
    static func header(accountID: Int, percent: Int, regainMinutes: Int) -> (String, String) {
        let usage = JSON.object([
            ("type", .string("custom_audience")), ("call_count", .int(percent)), ("total_cputime", .int(percent)),
            ("total_time", .int(percent)), ("estimated_time_to_regain_access", .int(regainMinutes)),
            ("ads_api_access_tier", .string("standard_access")),
        ])
        return ("X-Business-Use-Case-Usage", JSON.object([(String(accountID), .array([usage]))]).serialized)
    }
}
