import Foundation
import GRDB

/// Sponsored ad accounts and the member's roles on them (partners.md §7.2).
enum LinkedInAccounts {
    static let adsScopes = ["r_ads", "rw_ads"]

    /// `GET /adAccountUsers?q=authenticatedUser`: the member's role on every account it can reach.
    static func accountUsers(_ call: LinkedInCall, _ db: Database) throws -> LinkedInAnswer {
        try call.require(anyOf: adsScopes, for: "adAccountUsers")
        guard call.request.query["q"] == "authenticatedUser" else { throw LinkedInError.invalid("Finder q=authenticatedUser is required") }
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM li_account_users WHERE member_id = ? ORDER BY account_id",
                                    arguments: [call.token.memberID])
        let elements: [JSON] = rows.map { row in
            let account: Int64 = row["account_id"]
            return .object([("account", .string("urn:li:sponsoredAccount:\(account)")), ("role", .string(row["role"])),
                            ("user", .string("urn:li:person:" + (row["member_id"] as String)))])
        }
        let paging = call.paging
        return .ok(LinkedInAPI.page(elements, start: paging.start, count: paging.count))
    }

    /// `GET /adAccounts?q=search`: the accounts the member can reach, whatever its role.
    static func search(_ call: LinkedInCall, _ db: Database) throws -> LinkedInAnswer {
        try call.require(anyOf: adsScopes, for: "adAccounts")
        guard call.request.query["q"] == "search" else { throw LinkedInError.invalid("Finder q=search is required") }
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.* FROM li_ad_accounts a JOIN li_account_users u ON u.account_id = a.id WHERE u.member_id = ? ORDER BY a.id
            """, arguments: [call.token.memberID])
        let elements: [JSON] = rows.map { row in
            let id: Int64 = row["id"]
            return .object([("id", .int(Int(id))), ("name", .string(row["name"])), ("currency", .string(row["currency"])),
                            ("status", .string(row["status"])), ("type", .string("BUSINESS")), ("test", .bool(false))])
        }
        let paging = call.paging
        return .ok(LinkedInAPI.page(elements, start: paging.start, count: paging.count))
    }

    /// The member's role on an account, or LinkedIn's 403 when it has none.
    static func role(_ db: Database, member: String, account: Int64) throws -> String {
        guard let role = try String.fetchOne(db, sql: "SELECT role FROM li_account_users WHERE member_id = ? AND account_id = ?",
                                             arguments: [member, account]) else {
            throw LinkedInError(403, "ACCESS_DENIED", 100, "Not enough permissions to access: urn:li:sponsoredAccount:\(account)")
        }
        return role
    }

    /// Managing audiences needs a role other than VIEWER (partners.md §7.2).
    static func requireManager(_ db: Database, member: String, account: Int64) throws {
        guard try role(db, member: member, account: account) != "VIEWER" else {
            throw LinkedInError(403, "ACCESS_DENIED", 100,
                                "Managing audiences is restricted to ad accounts where the authenticated member has a role other than VIEWER")
        }
    }

    /// The numeric id of `urn:li:sponsoredAccount:{id}`.
    static func accountID(fromURN urn: String?) -> Int64? {
        guard let urn, urn.hasPrefix("urn:li:sponsoredAccount:") else { return nil }
        return Int64(urn.dropFirst("urn:li:sponsoredAccount:".count))
    }
}
