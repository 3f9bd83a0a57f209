import FastCGI
import Foundation
import GRDB

/// One answer of the REST emulation: a status, an optional JSON body, extra headers.
struct LinkedInAnswer {
    var status: Int = 200
    var json: JSON?
    var headers: [(String, String)] = []
    var error: LinkedInError?

    static func ok(_ json: JSON, status: Int = 200) -> LinkedInAnswer { LinkedInAnswer(status: status, json: json) }
    /// An error that is answered after the transaction commits (counters it moved are kept).
    static func failed(_ error: LinkedInError) -> LinkedInAnswer { LinkedInAnswer(status: error.status, error: error) }
}

/// One authenticated REST call.
struct LinkedInCall {
    let request: Request
    let path: [String]
    let token: LinkedInToken
    let now: Date
    let config: LinkedInSchema.Config

    /// Requires a scope, else LinkedIn's 403.
    func require(anyOf scopes: [String], for resource: String) throws {
        guard scopes.contains(where: token.scopes.contains) else { throw LinkedInError.scopeMissing(scopes.joined(separator: " or "), resource) }
    }

    /// `start`/`count` paging parameters (LinkedIn's default count is 10).
    var paging: (start: Int, count: Int) {
        let start = max(0, Int(request.query["start"] ?? "") ?? 0)
        let count = min(1000, max(1, Int(request.query["count"] ?? "") ?? 10))
        return (start, count)
    }
}

/// `https://api.linkedin.com/rest/…` (partners.md §7): versioned headers, bearer tokens, the per-member rate limit,
/// then the resources `me`, `adAccountUsers`, `adAccounts` and `dmpSegments`.
enum LinkedInAPI {
    /// The versions the emulator serves (`YYYYMM`): LinkedIn keeps each for about a year [I: the exact window].
    static let oldestVersion = 202504, newestVersion = 202612

    static func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response {
        let path = subpath.split(separator: "/").map(String.init)
        do {
            try checkHeaders(request)
            let (token, config) = try charge(request, context: context)
            let answer: LinkedInAnswer = try context.store.write { db in
                let call = LinkedInCall(request: request, path: path, token: token, now: try context.store.now(db), config: config)
                return try route(call, db, notes: &notes)
            }
            if let error = answer.error { return error.response(recording: &notes) }
            var response = answer.json.map { $0.response(status: answer.status) } ?? Response(status: answer.status)
            response.headers += answer.headers.map { (name: $0.0, value: $0.1) }
            return response
        } catch let error as LinkedInError {
            return error.response(recording: &notes)
        } catch {
            return LinkedInError.internalError.response(recording: &notes)
        }
    }

    /// `LinkedIn-Version: YYYYMM` of an active version and `X-Restli-Protocol-Version: 2.0.0`.
    static func checkHeaders(_ request: Request) throws {
        guard let version = request.header("linkedin-version")?.trimmingCharacters(in: .whitespaces), !version.isEmpty else {
            throw LinkedInError.versionMissing
        }
        guard version.count == 6, let number = Int(version), (1...12).contains(number % 100),
              (oldestVersion...newestVersion).contains(number) else { throw LinkedInError.versionInactive(version) }
        guard request.header("x-restli-protocol-version")?.trimmingCharacters(in: .whitespaces) == "2.0.0" else {
            throw LinkedInError.protocolMissing
        }
    }

    /// Authenticates the call and counts it against the member's per-second limit; a call over the limit is not
    /// performed and answers 429 (its rejection is counted, in its own transaction).
    static func charge(_ request: Request, context: SandboxContext) throws -> (LinkedInToken, LinkedInSchema.Config) {
        let (token, config): (LinkedInToken?, LinkedInSchema.Config) = try context.store.write { db in
            let now = try context.store.now(db)
            let token = try LinkedInTokens.usable(db, value: request.bearerToken, now: now)
            let config = try LinkedInSchema.config(db)
            let at = now.timeIntervalSince1970
            try db.execute(sql: "DELETE FROM li_calls WHERE at <= ?", arguments: [at - 1])
            let used = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM li_calls WHERE member_id = ? AND at > ?",
                                        arguments: [token.memberID, at - 1]) ?? 0
            if used >= config.rateLimitPerSecond {
                try db.execute(sql: "UPDATE li_config SET rate_rejections = rate_rejections + 1 WHERE id = 1")
                return (nil, config)
            }
            try db.execute(sql: "INSERT INTO li_calls (member_id, at) VALUES (?, ?)", arguments: [token.memberID, at])
            return (token, config)
        }
        guard let token else { throw LinkedInError.throttled }
        return (token, config)
    }

    private static func route(_ call: LinkedInCall, _ db: Database, notes: inout RequestNotes) throws -> LinkedInAnswer {
        let method = call.request.method
        switch (method, call.path) {
        case ("GET", ["me"]):
            try call.require(anyOf: ["r_basicprofile", "r_liteprofile", "profile"], for: "me")
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM li_members WHERE id = ?", arguments: [call.token.memberID]) else {
                throw LinkedInError.notFound("Member")
            }
            return .ok(.object([("id", .string(row["id"])), ("localizedFirstName", .string(row["first_name"])),
                                ("localizedLastName", .string(row["last_name"]))]))
        case ("GET", ["adAccountUsers"]):
            return try LinkedInAccounts.accountUsers(call, db)
        case ("GET", ["adAccounts"]):
            return try LinkedInAccounts.search(call, db)
        case ("GET", ["dmpSegments"]):
            return try LinkedInSegments.list(call, db, notes: &notes)
        case ("POST", ["dmpSegments"]):
            return try LinkedInSegments.create(call, db, notes: &notes)
        case ("GET", let p) where p.count == 2 && p[0] == "dmpSegments":
            return try LinkedInSegments.read(call, db, id: p[1], notes: &notes)
        case ("DELETE", let p) where p.count == 2 && p[0] == "dmpSegments":
            return try LinkedInSegments.delete(call, db, id: p[1], notes: &notes)
        case ("POST", let p) where p.count == 3 && p[0] == "dmpSegments" && p[2] == "users":
            return try LinkedInUsers.batch(call, db, id: p[1], notes: &notes)
        default:
            throw LinkedInError(404, "NOT_FOUND", nil, "No virtual resource found")
        }
    }

    /// A collection page in Rest.li's shape.
    static func page(_ elements: [JSON], start: Int, count: Int) -> JSON {
        let slice = Array(elements.dropFirst(start).prefix(count))
        return .object([("elements", .array(slice)),
                        ("paging", .object([("start", .int(start)), ("count", .int(count)), ("total", .int(elements.count))]))])
    }
}

