import FastCGI
import Foundation
import GRDB

/// One authenticated Pinterest API call, inside its write transaction.
struct PinCall {
    let request: Request
    let path: [String]
    let db: Database
    let now: Date
    let config: PinterestConfig
    let scopes: [String]
    var notes: RequestNotes

    /// The JSON body as an object.
    func body() throws(PinError) -> JSON {
        guard let json = JSON.parse(request.body), json.isObject else { throw .invalid("the body must be a JSON object") }
        return json
    }

    /// `page_size` (1…250, default 25) and the `bookmark` offset of a list call.
    func page() throws(PinError) -> (size: Int, offset: Int) {
        var size = 25
        if let text = request.query["page_size"] {
            guard let n = Int(text), (1...250).contains(n) else { throw .invalid("page_size must be from 1 to 250") }
            size = n
        }
        guard let bookmark = request.query["bookmark"], !bookmark.isEmpty else { return (size, 0) }
        guard let data = Data(base64Encoded: bookmark), let text = String(data: data, encoding: .utf8), text.hasPrefix("o:"),
              let offset = Int(text.dropFirst(2)), offset >= 0 else { throw .invalid("bookmark is not valid") }
        return (size, offset)
    }

    /// `{"items":[…],"bookmark":…}`: one page of `rows`, fetched with one extra row to know whether more follow.
    static func pageJSON(_ items: [JSON], size: Int, offset: Int) -> JSON {
        let more = items.count > size
        let bookmark: JSON = more ? .string(Data("o:\(offset + size)".utf8).base64EncodedString()) : .null
        return .object([("items", .array(Array(items.prefix(size)))), ("bookmark", bookmark)])
    }
}

/// `/pinterest/api/v5/…`: the Pinterest API v5 (partners.md §4.2–4.5).
enum PinterestAPI {
    /// Permissions that may create audiences and change customer lists [I]; `ANALYST` or `FINANCE_MANAGER` alone may not.
    static let writePermissions: Set<String> = ["OWNER", "ADMINISTRATOR", "AUDIENCE_MANAGER", "CAMPAIGN_MANAGER"]

    static func handle(_ request: Request, subpath: String, context: SandboxContext, kit: OAuthKit, app: SandboxApp,
                       notes: inout RequestNotes) -> Response {
        let path = subpath.split(separator: "/").map(String.init)
        var outNotes = notes
        var reset: Int?
        let result: Result<JSON, PinError>
        do {
            result = try context.store.write { db in
                let now = try context.store.now(db)
                let token: OAuthKitToken
                do { token = try kit.authenticate(request, db, app: app, now: now) } catch { return .failure(PinError.unauthorized) }
                var call = PinCall(request: request, path: path, db: db, now: now, config: try PinterestConfig.load(db),
                                   scopes: token.scopes, notes: outNotes)
                defer { outNotes = call.notes }
                do {
                    return .success(try route(&call))
                } catch let error as PinError {
                    if error.status == 429 { reset = try resetSeconds(call) }
                    return .failure(error)
                }
            }
        } catch {
            return PinError.internalError.response(recording: &notes)
        }
        notes = outNotes
        switch result {
        case .success(let json): return json.response()
        case .failure(let error): return error.response(recording: &notes, resetSeconds: reset)
        }
    }

    private static func route(_ call: inout PinCall) throws -> JSON {
        let p = call.path, m = call.request.method
        if p == ["user_account"], m == "GET" { return userAccount() }
        guard p.first == "ad_accounts" else { throw PinError.notFound("/" + p.joined(separator: "/")) }
        if p.count == 1, m == "GET" {
            try charge(write: false, &call)
            return try adAccounts(call)
        }
        guard p.count >= 3 else { throw PinError.notFound("/" + p.joined(separator: "/")) }
        let write = m != "GET"
        try account(p[1], write: write, &call)
        switch (m, p.count, p[2]) {
        case ("GET", 3, "customer_lists"): return try PinterestLists.listCustomerLists(p[1], call)
        case ("POST", 3, "customer_lists"): return try PinterestLists.createCustomerList(p[1], call)
        case ("GET", 4, "customer_lists"): return try PinterestLists.customerListJSON(PinterestLists.findList(p[3], account: p[1], call), call)
        case ("PATCH", 4, "customer_lists"): return try PinterestRecords.change(PinterestLists.findList(p[3], account: p[1], call), call)
        case ("GET", 3, "audiences"): return try PinterestLists.listAudiences(p[1], call)
        case ("POST", 3, "audiences"): return try PinterestLists.createAudience(p[1], call)
        case ("GET", 4, "audiences"): return try PinterestLists.audienceJSON(PinterestLists.findAudience(p[3], account: p[1], call), call)
        case ("PATCH", 4, "audiences"): return try PinterestLists.updateAudience(PinterestLists.findAudience(p[3], account: p[1], call), call)
        default: throw PinError.notFound("/" + p.joined(separator: "/"))
        }
    }

    private static func userAccount() -> JSON {
        .object([("account_type", .string("BUSINESS")), ("id", .string(PinterestSchema.userID)), ("username", .string(PinterestSchema.username)),
                 ("business_name", .string(PinterestSchema.userName)), ("profile_image", .string("")), ("website_url", .string(""))])
    }

    /// `GET /ad_accounts?bookmark=&page_size=&include_shared_accounts=`: the accounts the user reaches.
    private static func adAccounts(_ call: PinCall) throws -> JSON {
        let (size, offset) = try call.page()
        let shared = call.request.query["include_shared_accounts"] != "false"
        let rows = try Row.fetchAll(call.db, sql: """
            SELECT * FROM pin_ad_accounts WHERE visible = 1 AND (? OR owner_username = ?) ORDER BY id LIMIT ? OFFSET ?
            """, arguments: [shared, PinterestSchema.username, size + 1, offset])
        let items: [JSON] = rows.map { a in
            let permissions = (a["permissions"] as String).split(separator: ",").map { JSON.string(String($0)) }
            return .object([("id", .string(a["id"])), ("name", .string(a["name"])),
                            ("owner", .object([("id", .string("owner-" + (a["owner_username"] as String))), ("username", .string(a["owner_username"]))])),
                            ("country", .string(a["country"])), ("currency", .string(a["currency"])), ("permissions", .array(permissions)),
                            ("created_time", .int(1_700_000_000)), ("updated_time", .int(1_700_000_000))])
        }
        return PinCall.pageJSON(items, size: size, offset: offset)
    }

    /// The demo user must reach the account (else 404 code 2, "AdAccount not found."), and may write only with
    /// a writing permission (else 403); the call is charged to its rate category either way.
    static func account(_ id: String, write: Bool, _ call: inout PinCall) throws {
        guard let row = try Row.fetchOne(call.db, sql: "SELECT * FROM pin_ad_accounts WHERE id = ? AND visible = 1", arguments: [id]) else {
            throw PinError.accountNotFound
        }
        call.notes.adAccount = id
        try charge(write: write, &call)
        if write {
            guard call.scopes.contains("ads:write") else { throw PinError.scope("ads:write") }
            let permissions = Set((row["permissions"] as String).split(separator: ",").map(String.init))
            guard !permissions.isDisjoint(with: writePermissions) else { throw PinError.forbidden }
        } else {
            guard call.scopes.contains("ads:read") else { throw PinError.scope("ads:read") }
        }
    }

    /// Rolling one-minute budgets per rate category (`ads_read`, `ads_write`) for the user and app (partners.md
    /// §4.5); over the budget answers 429 and is not performed.
    static func charge(write: Bool, _ call: inout PinCall) throws {
        let category = write ? "ads_write" : "ads_read"
        let limit = write ? call.config.writePerMinute : call.config.readPerMinute
        let now = call.now.timeIntervalSince1970
        try call.db.execute(sql: "DELETE FROM pin_calls WHERE at <= ?", arguments: [now - 60])
        let used = try Int.fetchOne(call.db, sql: "SELECT COUNT(*) FROM pin_calls WHERE category = ?", arguments: [category]) ?? 0
        if used >= limit {
            if let account = call.notes.adAccount {
                try call.db.execute(sql: "UPDATE pin_ad_accounts SET rate_limit_rejections = rate_limit_rejections + 1 WHERE id = ?", arguments: [account])
            }
            throw PinError.throttled
        }
        try call.db.execute(sql: "INSERT INTO pin_calls (category, at) VALUES (?, ?)", arguments: [category, now])
    }

    /// Seconds until the oldest call of the full window leaves it (`x-ratelimit-reset`).
    private static func resetSeconds(_ call: PinCall) throws -> Int {
        let oldest = try Double.fetchOne(call.db, sql: "SELECT MIN(at) FROM pin_calls") ?? call.now.timeIntervalSince1970
        return max(1, Int((oldest + 60 - call.now.timeIntervalSince1970).rounded(.up)))
    }
}
