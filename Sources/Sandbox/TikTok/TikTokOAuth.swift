import FastCGI
import Foundation
import GRDB

/// `POST /open_api/v1.3/oauth2/access_token/` with `{"app_id","secret","auth_code"}` (partners.md §2.1):
/// a long-term token that does not expire on a timer, and the advertisers the user authorized. TikTok has no
/// refresh grant for Marketing API tokens, so the sandbox has none either.
enum TikTokOAuth {
    static func accessToken(_ call: TikTokCall, notes: inout RequestNotes) -> Response {
        do {
            let data: JSON = try call.context.store.write { db in
                let now = try call.context.store.now(db)
                for field in ["app_id", "secret", "auth_code"] {
                    guard let value = call.body[field]?.stringValue, !value.isEmpty else { throw TikTokAPIError.required(field) }
                }
                let appID = call.body["app_id"]?.stringValue ?? ""
                let secret = call.body["secret"]?.stringValue ?? ""
                let code = call.body["auth_code"]?.stringValue ?? ""
                guard appID == call.app.clientID, TikTokTokens.constantTimeEquals(secret, call.app.clientSecret) else {
                    throw TikTokAPIError.authParams
                }
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tt_codes WHERE code = ? AND app_id = ?", arguments: [code, appID])
                else { throw TikTokAPIError.authCodeInvalid }
                let usedAt: Double? = row["used_at"]
                let expiresAt: Double = row["expires_at"]
                guard usedAt == nil, now.timeIntervalSince1970 < expiresAt else { throw TikTokAPIError.authCodeInvalid }
                try db.execute(sql: "UPDATE tt_codes SET used_at = ? WHERE code = ?", arguments: [now.timeIntervalSince1970, code])
                let userID: String = row["user_id"]
                let token = try TikTokTokens.issue(db, userID: userID, appID: appID, now: now)
                let advertisers = try String.fetchAll(db, sql: "SELECT advertiser_id FROM tt_access WHERE user_id = ? ORDER BY advertiser_id",
                                                      arguments: [userID])
                return .object([
                    ("access_token", .string(token)), ("advertiser_ids", .array(advertisers.map(JSON.string))),
                    ("scope", .array(TikTokTokens.scopeIDs.map(JSON.int))),
                ])
            }
            return TikTokEnvelope.ok(data).response()
        } catch let error as TikTokAPIError {
            return error.response(recording: &notes)
        } catch {
            return TikTokAPIError.system.response(recording: &notes)
        }
    }
}

/// Issuing and checking long-term tokens.
enum TikTokTokens {
    /// The permission ids the token carries (TikTok answers numeric scope ids).
    static let scopeIDs = [1, 2, 4]

    /// Creates and stores a token without expiry.
    static func issue(_ db: Database, userID: String, appID: String, now: Date) throws -> String {
        let value = TikTokEnvelope.accessToken()
        try db.execute(sql: "INSERT INTO tt_tokens (value, user_id, app_id, issued_at) VALUES (?, ?, ?, ?)",
                       arguments: [value, userID, appID, now.timeIntervalSince1970])
        return value
    }

    /// The user of the call's token: none → 40104, unknown, other app or revoked → 40105, expired (knob) → 40102.
    static func authenticate(_ call: TikTokCall, _ db: Database, now: Date) throws -> String {
        guard let value = call.accessToken else { throw TikTokAPIError.tokenEmpty }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tt_tokens WHERE value = ?", arguments: [value]) else {
            throw TikTokAPIError.tokenInvalid
        }
        let appID: String = row["app_id"]
        let revoked: Int = row["revoked"]
        let expiresAt: Double? = row["expires_at"]
        guard appID == call.app.clientID, revoked == 0 else { throw TikTokAPIError.tokenInvalid }
        if let expiresAt, expiresAt <= now.timeIntervalSince1970 { throw TikTokAPIError.tokenExpired }
        return row["user_id"]
    }

    /// Compares two strings in time that does not depend on where they first differ.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
