import FastCGI
import Foundation
import GRDB

/// One parsed call of the Marketing API: the query string, and the JSON body of a POST.
struct TikTokCall: Sendable {
    let request: Request
    /// The path after `/open_api/v1.3`, with its trailing slash, e.g. `/segment/mapping/`.
    let endpoint: String
    let body: JSON
    let context: SandboxContext
    let app: SandboxApp

    /// The `Access-Token` header; TikTok reads the token from nowhere else.
    var accessToken: String? {
        guard let value = request.header("access-token")?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// A parameter from the JSON body (POST) or the query string (GET), as text.
    func string(_ name: String) -> String? {
        if let value = body[name] { return value.plainText }
        return request.query[name]
    }

    /// A list parameter: a JSON array in the body, or a JSON-encoded array in the query (`advertiser_ids=["1"]`).
    func stringList(_ name: String) throws(TikTokAPIError) -> [String]? {
        let value: JSON
        if let inBody = body[name] {
            value = inBody
        } else if let text = request.query[name] {
            guard let parsed = JSON.parse(text) else { throw .parameter("\(name): Not a valid list.") }
            value = parsed
        } else {
            return nil
        }
        guard let items = value.arrayValue else { throw .parameter("\(name): Not a valid list.") }
        var out: [String] = []
        for item in items {
            switch item {
            case .string(let s): out.append(s)
            case .int(let i): out.append(String(i))
            default: throw .parameter("\(name): Not a valid string.")
            }
        }
        return out
    }
}

/// What an authenticated handler gets besides the call: the token's user, the time and the settings.
struct TikTokState {
    var userID = ""
    var now = Date.distantPast
    var config = TikTokConfig(qpsLimit: 0, audienceCap: 0)
    var adAccount: String?
}

/// The Marketing API under `/tiktok/open_api/v1.3`: routing, the token check, the rate limit and the
/// transaction around each call. Every API answer is HTTP 200 with the envelope; only a path TikTok does not
/// have (including one without its trailing slash) or a wrong method is an HTTP 404/405.
enum TikTokAPI {
    static let version = "/v1.3"

    typealias Handler = (TikTokCall, Database, inout TikTokState) throws -> JSON

    /// Answers a request under `/tiktok/open_api`.
    static func handle(_ request: Request, subpath: String, context: SandboxContext, app: SandboxApp, notes: inout RequestNotes) -> Response {
        guard subpath.hasPrefix(version + "/") else { return notFound() }
        let endpoint = String(subpath.dropFirst(version.count))
        var body: JSON = .object([])
        if request.method == "POST" {
            let text = String(decoding: request.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty {
                guard request.contentType == "application/json", let parsed = JSON.parse(text), parsed.isObject else {
                    return TikTokAPIError.parameter("The request body must be a JSON object (Content-Type: application/json).")
                        .response(recording: &notes)
                }
                body = parsed
            }
        }
        let call = TikTokCall(request: request, endpoint: endpoint, body: body, context: context, app: app)
        guard let route = route(endpoint) else { return notFound() }
        guard route.method == request.method else {
            return Response(status: 405, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Allow", route.method)],
                            body: Array("405 Method Not Allowed".utf8))
        }
        if endpoint == "/oauth2/access_token/" { return TikTokOAuth.accessToken(call, notes: &notes) }
        return authed(call, notes: &notes, route.handler)
    }

    /// The method and handler of each endpoint TikTok has.
    private static func route(_ endpoint: String) -> (method: String, handler: Handler)? {
        switch endpoint {
        case "/oauth2/access_token/": ("POST", { _, _, _ in .null })
        case "/oauth2/advertiser/get/": ("GET", TikTokAdvertisers.authorized)
        case "/advertiser/info/": ("GET", TikTokAdvertisers.info)
        case "/user/info/": ("GET", TikTokAdvertisers.userInfo)
        case "/dmp/custom_audience/list/": ("GET", TikTokAudiences.list)
        case "/dmp/custom_audience/get/": ("GET", TikTokAudiences.get)
        case "/dmp/custom_audience/delete/": ("POST", TikTokAudiences.deleteMany)
        case "/segment/audience/": ("POST", TikTokAudiences.segment)
        case "/segment/mapping/": ("POST", TikTokMapping.handle)
        default: nil
        }
    }

    /// TikTok's gateway 404 for paths it does not have.
    static func notFound() -> Response {
        Response(status: 404, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("404 page not found".utf8))
    }

    /// Runs `handler` after the token check and the rate limit, in one write transaction that commits even
    /// when the handler ends in an API error, so counted calls and rejections are kept.
    static func authed(_ call: TikTokCall, notes: inout RequestNotes, _ handler: Handler) -> Response {
        var state = TikTokState()
        let result: Result<JSON, TikTokAPIError>
        do {
            result = try call.context.store.write { db in
                do {
                    state.now = try call.context.store.now(db)
                    state.config = try TikTokConfig.load(db)
                    state.userID = try TikTokTokens.authenticate(call, db, now: state.now)
                    try TikTokRateLimit.charge(db, endpoint: call.endpoint, state: state)
                    return .success(try handler(call, db, &state))
                } catch let error as TikTokAPIError {
                    return .failure(error)
                }
            }
        } catch {
            return TikTokAPIError.system.response(recording: &notes)
        }
        notes.adAccount = state.adAccount
        switch result {
        case .success(let data): return TikTokEnvelope.ok(data).response()
        case .failure(let error): return error.response(recording: &notes)
        }
    }

    /// The advertiser named by `name`, which the token's user must have authorized: unknown → 40300, not granted → 40001.
    static func advertiser(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState, _ name: String = "advertiser_id") throws -> String {
        guard let id = call.string(name), !id.isEmpty else { throw TikTokAPIError.required(name) }
        try requireAccess(id, db, &state)
        return id
    }

    /// Checks that the token's user may act for `id`.
    static func requireAccess(_ id: String, _ db: Database, _ state: inout TikTokState) throws {
        state.adAccount = state.adAccount ?? id
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tt_advertisers WHERE id = ?", arguments: [id]) == true else {
            throw TikTokAPIError.advertiserMissing(id)
        }
        let granted = try Bool.fetchOne(db, sql: "SELECT 1 FROM tt_access WHERE user_id = ? AND advertiser_id = ?",
                                        arguments: [state.userID, id]) ?? false
        guard granted else { throw TikTokAPIError.noPermission(id) }
    }

    /// Audiences change only for an advertiser TikTok serves: a disabled, limited or pending one answers 40001 [I:
    /// partners.md lists 40001 "no permission" without saying which statuses it covers].
    static func requireEnabled(_ id: String, _ db: Database) throws {
        let status = try String.fetchOne(db, sql: "SELECT status FROM tt_advertisers WHERE id = ?", arguments: [id]) ?? ""
        guard status == "STATUS_ENABLE" else { throw TikTokAPIError.notEnabled(id, status: status) }
    }
}

/// The app-level limit per endpoint (partners.md §2.6: 40100 "requests made too frequently"), on a rolling
/// one-second window; the default is the 50 QPS of §2.4.
enum TikTokRateLimit {
    static let window: TimeInterval = 1

    /// Counts one call, or records a rejection and throws 40100. Runs inside the call's IMMEDIATE transaction.
    static func charge(_ db: Database, endpoint: String, state: TikTokState) throws {
        let now = state.now.timeIntervalSince1970
        try db.execute(sql: "DELETE FROM tt_calls WHERE at <= ?", arguments: [now - window])
        let used = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tt_calls WHERE endpoint = ?", arguments: [endpoint]) ?? 0
        if used >= state.config.qpsLimit {
            try db.execute(sql: "INSERT INTO tt_rate_rejections (endpoint, at) VALUES (?, ?)", arguments: [endpoint, now])
            throw TikTokAPIError.tooFrequent
        }
        try db.execute(sql: "INSERT INTO tt_calls (endpoint, at) VALUES (?, ?)", arguments: [endpoint, now])
    }
}
