import Foundation
import GRDB

/// `GET /me`, `GET /me/adaccounts`.
enum FacebookMe {
    /// The token's user: `{"id","name"}`.
    static func me(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        let fields = try GraphFields.select(call, allowed: ["id", "name"], defaults: ["name"], nodeType: "User")
        return GraphFields.project([("id", .string(state.token.userID)), ("name", .string(state.token.userName))], fields: fields)
    }

    /// The ad accounts the token's user reaches, paged by account id.
    static func adAccounts(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        try state.requireRead()
        let fields = try GraphFields.select(call, allowed: FacebookAdAccounts.fields, defaults: ["account_id"], nodeType: "AdAccount")
        let (limit, after) = try GraphPaging.window(call)
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.* FROM fb_ad_accounts a JOIN fb_account_access x ON x.account_id = a.id
            WHERE x.user_id = ? AND a.id > ? ORDER BY a.id LIMIT ?
            """, arguments: [state.token.userID, after ?? 0, limit + 1])
        return GraphPaging.envelope(call, limit: limit, rows: rows.map { row in
            let id: Int64 = row["id"]
            return (id, GraphFields.project(FacebookAdAccounts.json(row), fields: fields))
        })
    }
}

/// Ad accounts: `GET /act_<id>` and the reachability rule every account-scoped call uses.
enum FacebookAdAccounts {
    /// Fields an ad account answers.
    static let fields = ["id", "account_id", "name", "account_status", "currency", "timezone_name", "business", "tos_accepted"]

    /// The numeric id of `act_<digits>`, else nil.
    static func accountID(_ s: String) -> Int? {
        guard s.hasPrefix("act_") else { return nil }
        let digits = s.dropFirst(4)
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// Every field of an account row, in Graph's order.
    static func json(_ row: Row) -> [(String, JSON)] {
        let id: Int = row["id"]
        let tos: Int = row["tos_accepted"]
        var out: [(String, JSON)] = [
            ("id", .string("act_\(id)")), ("account_id", .string(String(id))), ("name", .string(row["name"])),
            ("account_status", .int(row["account_status"])), ("currency", .string(row["currency"])),
            ("timezone_name", .string(row["timezone_name"])),
        ]
        if let businessID: String = row["business_id"] {
            out.append(("business", .object([("id", .string(businessID)), ("name", .string(row["business_name"]))])))
        }
        out.append(("tos_accepted", tos == 1 ? .object([("custom_audience_tos", .int(1))]) : .object([])))
        return out
    }

    /// The account row when `userID` can reach it, else nil.
    static func reachable(_ db: Database, userID: String, accountID: Int) throws -> Row? {
        try Row.fetchOne(db, sql: """
            SELECT a.* FROM fb_ad_accounts a JOIN fb_account_access x ON x.account_id = a.id
            WHERE x.user_id = ? AND a.id = ?
            """, arguments: [userID, accountID])
    }

    /// The account of an `act_<id>` path component, or Graph's 100/33 when the token cannot reach it.
    static func resolve(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> (id: Int, row: Row) {
        let component = call.path[0]
        guard let id = accountID(component), let row = try reachable(db, userID: state.token.userID, accountID: id) else {
            throw GraphError.unsupported(call.method, objectID: component)
        }
        state.trace.adAccount = "act_\(id)"
        return (id, row)
    }

    /// `GET /act_<id>?fields=…`.
    static func read(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        try state.requireRead()
        let (_, row) = try resolve(call, db, &state)
        let selected = try GraphFields.select(call, allowed: fields, defaults: ["account_id"], nodeType: "AdAccount")
        return GraphFields.project(json(row), fields: selected)
    }
}
