import FastCGI
import Foundation
import GRDB

/// One authenticated Snap API call, inside its write transaction.
struct SnapCall {
    let request: Request
    let path: [String]
    let db: Database
    let now: Date
    let config: SnapchatConfig
    /// The Marketing API's public base (`…/snapchat/adsapi/v1`), for paging links.
    let apiBase: String
    var notes: RequestNotes

    /// The JSON body as an object.
    func body() throws(SnapError) -> JSON {
        guard let json = JSON.parse(request.body), json.isObject else { throw .invalid("the body must be a JSON object") }
        return json
    }
}

/// `/snapchat/adsapi/v1/…`: the Marketing API (partners.md §5.2–5.4).
enum SnapchatAPI {
    static func handle(_ request: Request, subpath: String, context: SandboxContext, kit: OAuthKit, app: SandboxApp,
                       notes: inout RequestNotes) -> Response {
        let path = subpath.split(separator: "/").map(String.init)
        var outNotes = notes
        let result: Result<JSON, SnapError>
        do {
            result = try context.store.write { db in
                let now = try context.store.now(db)
                var call = SnapCall(request: request, path: path, db: db, now: now, config: try SnapchatConfig.load(db),
                                    apiBase: context.configuration.baseURL + "/snapchat/adsapi/v1", notes: outNotes)
                defer { outNotes = call.notes }
                do {
                    do { _ = try kit.authenticate(request, db, app: app, now: now) } catch { throw SnapError.unauthorized }
                    return .success(try route(&call))
                } catch let error as SnapError {
                    return .failure(error)
                }
            }
        } catch {
            return SnapError.internalError.response(recording: &notes)
        }
        notes = outNotes
        switch result {
        case .success(let json): return json.response()
        case .failure(let error): return error.response(recording: &notes)
        }
    }

    private static func route(_ call: inout SnapCall) throws -> JSON {
        let p = call.path, m = call.request.method
        switch (m, p.count) {
        case ("GET", 1) where p == ["me"]: return me()
        case ("GET", 2) where p == ["me", "organizations"]: return try organizations(call)
        case (_, 3) where p[0] == "adaccounts" && p[2] == "segments":
            try account(p[1], &call)
            switch m {
            case "GET": return try SnapchatSegments.list(p[1], call)
            case "POST":
                try requireActive(p[1], call)
                return try SnapchatSegments.create(p[1], call)
            default: throw SnapError.invalid("\(m) is not supported here")
            }
        case (_, 2) where p[0] == "segments":
            let segment = try SnapchatSegments.find(p[1], &call)
            switch m {
            case "GET": return SnapchatSegments.envelope([SnapchatSegments.json(segment, call)])
            case "DELETE":
                try call.db.execute(sql: "UPDATE snap_segments SET deleted = 1 WHERE id = ?", arguments: [segment["id"] as Int64])
                return SnapchatSegments.envelope([SnapchatSegments.json(segment, call)])
            default: throw SnapError.invalid("\(m) is not supported here")
            }
        case (_, 3) where p[0] == "segments" && p[2] == "users":
            guard m == "POST" || m == "DELETE" else { throw SnapError.invalid("\(m) is not supported here") }
            let segment = try SnapchatSegments.find(p[1], &call)
            try requireActive(segment["ad_account_id"], call)
            return try SnapchatUsers.change(segment, remove: m == "DELETE", &call)
        default:
            throw SnapError.notFound("/" + p.joined(separator: "/"))
        }
    }

    private static func me() -> JSON {
        .object([("request_status", .string("SUCCESS")), ("request_id", .string(SnapIDs.requestID())), ("me", .object([
            ("id", .string(SnapchatSchema.userID)), ("display_name", .string(SnapchatSchema.userName)),
            ("email", .string(SnapchatSchema.userEmail)), ("organization_id", .string(SnapchatSchema.organizationID)),
        ]))])
    }

    private static func organizations(_ call: SnapCall) throws -> JSON {
        let withAccounts = call.request.query["with_ad_accounts"] == "true"
        let orgs = try Row.fetchAll(call.db, sql: "SELECT * FROM snap_organizations WHERE member = 1 ORDER BY id")
        let entries: [JSON] = try orgs.map { org in
            let id: String = org["id"]
            var members: [(String, JSON)] = [("id", .string(id)), ("name", .string(org["name"])), ("type", .string("ENTERPRISE"))]
            if withAccounts {
                let accounts = try Row.fetchAll(call.db, sql: "SELECT * FROM snap_ad_accounts WHERE organization_id = ? ORDER BY id", arguments: [id])
                members.append(("ad_accounts", .array(accounts.map { a in
                    .object([("id", .string(a["id"])), ("name", .string(a["name"])), ("type", .string("PARTNER")),
                             ("status", .string(a["status"])), ("organization_id", .string(id)), ("currency", .string(a["currency"])),
                             ("timezone", .string(a["timezone"]))])
                })))
            }
            return .object([("sub_request_status", .string("SUCCESS")), ("organization", .object(members))])
        }
        return .object([("request_status", .string("SUCCESS")), ("request_id", .string(SnapIDs.requestID())), ("organizations", .array(entries))])
    }

    /// Segments change only in an `ACTIVE` ad account: a paused or disabled one answers 403 E3002 [I: partners.md §5 says
    /// nothing of statuses; the sandbox refuses as Snap refuses an account the user may not use].
    static func requireActive(_ id: String, _ call: SnapCall) throws {
        let status = try String.fetchOne(call.db, sql: "SELECT status FROM snap_ad_accounts WHERE id = ?", arguments: [id]) ?? ""
        guard status == "ACTIVE" else { throw SnapError.notActive(id, status: status) }
    }

    /// Checks the demo user reaches `id` (else 404 or E3002) and charges the account's per-second budget.
    static func account(_ id: String, _ call: inout SnapCall) throws {
        guard let row = try Row.fetchOne(call.db, sql: """
            SELECT a.id, o.member FROM snap_ad_accounts a JOIN snap_organizations o ON o.id = a.organization_id WHERE a.id = ?
            """, arguments: [id]) else { throw SnapError.notFound("Ad account \(id)") }
        guard (row["member"] as Int) == 1 else { throw SnapError.permission }
        call.notes.adAccount = id
        try charge(id, &call)
    }

    /// At most `requests_per_second` calls per ad account in any one-second window (partners.md §5.4: "10 queries
    /// per second"); one over the limit answers 429 and is not performed.
    static func charge(_ account: String, _ call: inout SnapCall) throws {
        let now = call.now.timeIntervalSince1970
        try call.db.execute(sql: "DELETE FROM snap_calls WHERE at <= ?", arguments: [now - 1])
        let used = try Int.fetchOne(call.db, sql: "SELECT COUNT(*) FROM snap_calls WHERE ad_account_id = ?", arguments: [account]) ?? 0
        if used >= call.config.requestsPerSecond {
            try call.db.execute(sql: "UPDATE snap_ad_accounts SET rate_limit_rejections = rate_limit_rejections + 1 WHERE id = ?", arguments: [account])
            throw SnapError.throttled
        }
        try call.db.execute(sql: "INSERT INTO snap_calls (ad_account_id, at) VALUES (?, ?)", arguments: [account, now])
    }
}
