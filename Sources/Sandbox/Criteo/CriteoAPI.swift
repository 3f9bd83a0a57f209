import FastCGI
import Foundation
import GRDB

/// One authenticated Criteo API call, inside its write transaction.
struct CriteoCall {
    let request: Request
    let path: [String]
    let db: Database
    let now: Date
    let config: CriteoConfig
    var notes: RequestNotes

    /// The JSON body as an object.
    func body() throws(CriteoError) -> JSON {
        guard let json = JSON.parse(request.body), json.isObject else { throw .invalid("The body must be a JSON object.") }
        return json
    }
}

/// `/criteo/api/{version}/…`: the Marketing Solutions API (partners.md §6.2–6.6). Any `YYYY-MM` version is taken.
enum CriteoAPI {
    static func handle(_ request: Request, subpath: String, context: SandboxContext, kit: OAuthKit, app: SandboxApp,
                       notes: inout RequestNotes) -> Response {
        let path = Array(subpath.split(separator: "/").map(String.init).dropFirst())
        var outNotes = notes
        var rate: (Int, Int)?
        let result: Result<JSON, CriteoError>
        do {
            result = try context.store.write { db in
                let now = try context.store.now(db)
                do { _ = try kit.authenticate(request, db, app: app, now: now) } catch {
                    return .failure((error as? OAuthKitRefusal) == .expired ? CriteoError.tokenExpired : CriteoError.tokenInvalid)
                }
                var call = CriteoCall(request: request, path: path, db: db, now: now, config: try CriteoConfig.load(db), notes: outNotes)
                defer { outNotes = call.notes }
                do {
                    try charge(&call)
                    return .success(try route(&call))
                } catch let error as CriteoError {
                    if error.status == 429 { rate = (call.config.callsPerMinute, try resetSeconds(call)) }
                    return .failure(error)
                }
            }
        } catch {
            return CriteoError.internalError.response(recording: &notes)
        }
        notes = outNotes
        switch result {
        case .success(let json): return json.response()
        case .failure(let error): return error.response(recording: &notes, rate: rate)
        }
    }

    private static func route(_ call: inout CriteoCall) throws -> JSON {
        let p = call.path, m = call.request.method
        switch (m, p) {
        case ("GET", ["advertisers", "me"]): return try advertisers(call)
        case ("POST", ["marketing-solutions", "audience-segments", "search"]): return try CriteoSegments.search(&call)
        case ("POST", ["marketing-solutions", "audience-segments", "create"]): return try CriteoSegments.create(&call)
        case ("POST", ["marketing-solutions", "audience-segments", "delete"]): return try CriteoSegments.delete(&call)
        case ("PATCH", let p) where p.count == 4 && p[0] == "marketing-solutions" && p[1] == "audience-segments" && p[3] == "contact-list":
            return try CriteoContactList.amend(p[2], &call)
        default: throw CriteoError.notFound("/" + p.joined(separator: "/"))
        }
    }

    /// `GET /advertisers/me`: the advertisers the consent covers [I: partners.md §6.2, unverified].
    private static func advertisers(_ call: CriteoCall) throws -> JSON {
        let rows = try Row.fetchAll(call.db, sql: "SELECT * FROM criteo_advertisers WHERE consented = 1 ORDER BY id")
        return .object([("data", .array(rows.map { a in
            .object([("id", .string(a["id"])), ("type", .string("Advertiser")),
                     ("attributes", .object([("advertiserName", .string(a["name"])), ("currency", .string(a["currency"])),
                                             ("status", .string(a["status"]))]))])
        }))])
    }

    /// The consent must cover the advertiser (else 403 `access-denied`).
    static func advertiser(_ id: String, _ call: inout CriteoCall) throws {
        guard let row = try Row.fetchOne(call.db, sql: "SELECT consented FROM criteo_advertisers WHERE id = ?", arguments: [id]),
              (row["consented"] as Int) == 1 else { throw CriteoError.accessDenied(id) }
        call.notes.adAccount = id
    }

    /// Segments change only for an `Active` advertiser: an inactive one answers 403 `advertiser-inactive` [I: partners.md
    /// §6 has no advertiser status; emulated so the client has one to read].
    static func requireActive(_ id: String, _ call: CriteoCall) throws {
        let status = try String.fetchOne(call.db, sql: "SELECT status FROM criteo_advertisers WHERE id = ?", arguments: [id]) ?? ""
        guard status == CriteoSchema.activeStatus else { throw CriteoError.inactive(id, status: status) }
    }

    /// At most `calls_per_minute` API calls in any rolling minute for the app (partners.md §6.6: 250/min,
    /// app-level); one over answers 429 and is not performed.
    private static func charge(_ call: inout CriteoCall) throws {
        let now = call.now.timeIntervalSince1970
        try call.db.execute(sql: "DELETE FROM criteo_calls WHERE at <= ?", arguments: [now - 60])
        let used = try Int.fetchOne(call.db, sql: "SELECT COUNT(*) FROM criteo_calls") ?? 0
        if used >= call.config.callsPerMinute { throw CriteoError.throttled }
        try call.db.execute(sql: "INSERT INTO criteo_calls (at) VALUES (?)", arguments: [now])
    }

    private static func resetSeconds(_ call: CriteoCall) throws -> Int {
        let oldest = try Double.fetchOne(call.db, sql: "SELECT MIN(at) FROM criteo_calls") ?? call.now.timeIntervalSince1970
        return max(1, Int((oldest + 60 - call.now.timeIntervalSince1970).rounded(.up)))
    }
}
