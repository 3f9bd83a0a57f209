import Foundation
import GRDB

/// Advertisers (TikTok's ad accounts) and the token's user (partners.md §2.2).
enum TikTokAdvertisers {
    /// Advertisers one `advertiser/info/` call may name.
    static let maxInfoIDs = 100

    /// `GET /oauth2/advertiser/get/?app_id=&secret=`: the advertisers that authorized the app for this user.
    static func authorized(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState) throws -> JSON {
        guard let appID = call.string("app_id"), !appID.isEmpty else { throw TikTokAPIError.required("app_id") }
        guard let secret = call.string("secret"), !secret.isEmpty else { throw TikTokAPIError.required("secret") }
        guard appID == call.app.clientID, TikTokTokens.constantTimeEquals(secret, call.app.clientSecret) else {
            throw TikTokAPIError.authParams
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.id, a.name FROM tt_advertisers a JOIN tt_access x ON x.advertiser_id = a.id WHERE x.user_id = ? ORDER BY a.id
            """, arguments: [state.userID])
        return .object([("list", .array(rows.map { row in
            .object([("advertiser_id", .string(row["id"])), ("advertiser_name", .string(row["name"]))])
        }))])
    }

    /// `GET /advertiser/info/?advertiser_ids=["…"]`: name, currency and status of up to 100 authorized advertisers.
    static func info(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState) throws -> JSON {
        guard let ids = try call.stringList("advertiser_ids"), !ids.isEmpty else { throw TikTokAPIError.required("advertiser_ids") }
        guard ids.count <= maxInfoIDs else { throw TikTokAPIError.parameter("advertiser_ids: Length must be between 1 and 100.") }
        var list: [JSON] = []
        for id in ids {
            try TikTokAPI.requireAccess(id, db, &state)
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tt_advertisers WHERE id = ?", arguments: [id]) else { continue }
            list.append(.object([
                ("advertiser_id", .string(row["id"])), ("name", .string(row["name"])), ("currency", .string(row["currency"])),
                ("status", .string(row["status"])), ("role", .string("ROLE_ADVERTISER")),
            ]))
        }
        return .object([("list", .array(list))])
    }

    /// `GET /user/info/`: who the token acts as.
    static func userInfo(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState) throws -> JSON {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tt_users WHERE id = ?", arguments: [state.userID]) else {
            throw TikTokAPIError.tokenInvalid
        }
        return .object([("core_user_id", .string(row["id"])), ("display_name", .string(row["display_name"])),
                        ("email", .string(row["email"]))])
    }
}
