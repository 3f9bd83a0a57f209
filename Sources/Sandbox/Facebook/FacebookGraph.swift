import FastCGI
import Foundation
import GRDB

/// The parameters of one Graph call, merged from the query string and the body (form-encoded or JSON).
/// Body values win over query values of the same name, as on Graph.
struct GraphParams: Sendable {
    private var values: [(String, JSON)] = []

    /// Parses the request; a JSON body that is not an object is reported as a Graph error.
    init(request: Request) throws(GraphError) {
        if request.contentType == "application/json" {
            let text = String(decoding: request.body, as: UTF8.self)
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                guard let json = JSON.parse(text), case .object(let members) = json else {
                    throw GraphError.invalidParameter("The request body is not a valid JSON object")
                }
                values += members
            }
        } else {
            values += request.form.pairs.map { ($0.name, JSON.string($0.value)) }
        }
        values += request.query.pairs.map { ($0.name, JSON.string($0.value)) }
    }

    /// The value as text: strings as they are, numbers and booleans spelled out, containers as JSON.
    func string(_ name: String) -> String? { values.first { $0.0 == name }?.1.plainText }

    /// The value as JSON: a JSON body's value as it is, a form or query string parsed as JSON when it is
    /// JSON (Graph's convention for `payload`, `session`, …), else the string itself.
    func json(_ name: String) -> JSON? {
        guard let value = values.first(where: { $0.0 == name })?.1 else { return nil }
        if case .string(let s) = value, let parsed = JSON.parse(s) { return parsed }
        return value
    }

    /// Whether the parameter was sent at all.
    func has(_ name: String) -> Bool { values.contains { $0.0 == name } }
}

/// One parsed Graph call.
struct GraphCall: Sendable {
    let request: Request
    /// The effective method: the HTTP method, or the `method` parameter of a GET/POST (Graph's override).
    let method: String
    /// `v25.0`; unversioned calls get the current version.
    let version: String
    /// Path components after the version, e.g. `["act_1001", "customaudiences"]`.
    let path: [String]
    let params: GraphParams
    let context: SandboxContext
    let app: SandboxApp

    /// The access token from the `access_token` parameter or an `Authorization: Bearer|OAuth` header.
    var accessToken: String? {
        if let token = params.string("access_token"), !token.isEmpty { return token }
        guard let header = request.header("authorization") else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["bearer", "oauth"].contains(parts[0].lowercased()) else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The sandbox's public URL of a Graph path, for `next` links.
    func graphURL(_ path: String) -> String {
        context.configuration.baseURL + "/facebook/graph/" + version + path
    }

    /// The public URL of the Custom Audience terms page of an account.
    func termsURL(accountID: Int) -> String {
        context.configuration.baseURL + "/facebook/www/ads/manage/customaudiences/tos/?act=\(accountID)"
    }
}

/// Headers and log notes a Graph handler collects while it runs, kept even when it ends in an error.
struct GraphTrace {
    var headers: [(String, String)] = []
    var adAccount: String?
}

/// The Graph API: parsing, routing and the transaction around each call.
enum FacebookGraph {
    static let currentVersion = "v25.0"

    /// Answers a request under `/facebook/graph`.
    static func handle(_ request: Request, subpath: String, context: SandboxContext, app: SandboxApp,
                       notes: inout RequestNotes) -> Response {
        var components = subpath.split(separator: "/").map(String.init)
        var version = currentVersion
        if let first = components.first, isVersion(first) {
            version = first
            components.removeFirst()
        }
        let params: GraphParams
        do {
            params = try GraphParams(request: request)
        } catch {
            notes.errorCode = error.code
            return error.json.response(status: error.status)
        }
        var method = request.method
        if method == "GET" || method == "POST", let override = params.string("method")?.uppercased(),
           ["GET", "POST", "DELETE"].contains(override) {
            method = override
        }
        let call = GraphCall(request: request, method: method, version: version, path: components, params: params,
                             context: context, app: app)
        let response = route(call, notes: &notes)
        return response.adding("facebook-api-version", version)
    }

    /// `v25.0`, `v3.3`: a `v`, digits, a dot, digits.
    static func isVersion(_ s: String) -> Bool {
        let parts = s.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        return s.hasPrefix("v") && parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    private static func route(_ call: GraphCall, notes: inout RequestNotes) -> Response {
        let p = call.path
        let m = call.method
        switch p.count {
        case 2 where p == ["oauth", "access_token"]:
            return FacebookOAuth.accessToken(call, notes: &notes)
        case 1 where p[0] == "debug_token":
            return FacebookDebugToken.handle(call, notes: &notes)
        case 1 where p[0] == "me":
            guard m == "GET" else { return authed(call, notes: &notes) { _, _, _ in throw GraphError.unsupported(m, objectID: "me") } }
            return authed(call, notes: &notes, FacebookMe.me)
        case 2 where p == ["me", "adaccounts"]:
            guard m == "GET" else { return authed(call, notes: &notes) { _, _, _ in throw GraphError.unsupported(m, objectID: "me") } }
            return authed(call, notes: &notes, FacebookMe.adAccounts)
        case 1 where FacebookAdAccounts.accountID(p[0]) != nil:
            guard m == "GET" else { return authed(call, notes: &notes) { _, _, _ in throw GraphError.unsupported(m, objectID: p[0]) } }
            return authed(call, notes: &notes, FacebookAdAccounts.read)
        case 2 where FacebookAdAccounts.accountID(p[0]) != nil && p[1] == "customaudiences":
            switch m {
            case "GET": return authed(call, notes: &notes, FacebookAudiences.list)
            case "POST": return authed(call, notes: &notes, FacebookAudiences.create)
            default: return authed(call, notes: &notes) { _, _, _ in throw GraphError.unsupported(m, objectID: p[0]) }
            }
        case 2 where FacebookAdAccounts.accountID(p[0]) != nil && p[1] == "usersofanyaudience":
            guard m == "DELETE" else { return authed(call, notes: &notes) { _, _, _ in throw GraphError.unsupported(m, objectID: p[0]) } }
            return authed(call, notes: &notes, FacebookAnyAudience.remove)
        case 1 where isNumericID(p[0]):
            switch m {
            case "GET": return authed(call, notes: &notes, FacebookAudiences.read)
            case "POST": return authed(call, notes: &notes, FacebookAudiences.update)
            case "DELETE": return authed(call, notes: &notes, FacebookAudiences.delete)
            default: return authed(call, notes: &notes) { _, _, _ in throw GraphError.unsupported(m, objectID: p[0]) }
            }
        case 2 where isNumericID(p[0]) && p[1] == "users":
            switch m {
            case "POST": return authed(call, notes: &notes) { c, db, t in try FacebookUsers.change(c, db, &t, remove: false) }
            case "DELETE": return authed(call, notes: &notes) { c, db, t in try FacebookUsers.change(c, db, &t, remove: true) }
            default: return authed(call, notes: &notes) { _, _, _ in throw GraphError.unsupported(m, objectID: p[0]) }
            }
        default:
            let error = GraphError.unknownPath("/" + p.joined(separator: "/"))
            notes.errorCode = error.code
            return error.json.response(status: 404)
        }
    }

    static func isNumericID(_ s: String) -> Bool { !s.isEmpty && s.count <= 20 && s.allSatisfy { $0.isASCII && $0.isNumber } }

    /// A handler that runs with a checked user or system-user token inside one IMMEDIATE transaction.
    typealias Handler = (GraphCall, Database, inout GraphContextState) throws -> JSON

    /// Runs `handler` after the token checks, in one write transaction that commits even when the handler
    /// ends in a Graph error, so calls counted and rejections recorded before the error are kept.
    static func authed(_ call: GraphCall, notes: inout RequestNotes, _ handler: Handler) -> Response {
        var state = GraphContextState()
        let result: Result<JSON, GraphError>
        do {
            result = try call.context.store.write { db in
                do {
                    state.now = try call.context.store.now(db)
                    state.config = try FacebookConfig.load(db)
                    state.token = try authenticate(call, db, now: state.now, config: state.config)
                    return .success(try handler(call, db, &state))
                } catch let error as GraphError {
                    return .failure(error)
                }
            }
        } catch {
            return GraphError.unknown.response(recording: &notes)
        }
        notes.adAccount = state.trace.adAccount
        var response: Response
        switch result {
        case .success(let json):
            response = json.response()
        case .failure(let error):
            notes.errorCode = error.code
            response = error.json.response(status: error.status)
        }
        for header in state.trace.headers { response.headers.append(header) }
        return response
    }

    /// The token checks every authenticated call makes, in Graph's order: present, known, not revoked, not
    /// expired, then appsecret_proof.
    private static func authenticate(_ call: GraphCall, _ db: Database, now: Date, config: FacebookConfig) throws -> FacebookToken {
        guard let value = call.accessToken else { throw GraphError.tokenRequired }
        if value.contains("|") {
            // An app token (`app_id|app_secret`) identifies the app, not a person: it can read neither /me nor
            // anyone's ad accounts.
            guard value == "\(call.app.clientID)|\(call.app.clientSecret)" else { throw GraphError.appTokenSignature }
            if call.path.first == "me" { throw GraphError.currentUserNeeded }
            throw GraphError.unsupported(call.method, objectID: call.path.first ?? "")
        }
        let token = try FacebookTokens.usable(db, value: value, now: now)
        guard token.appID == call.app.clientID else { throw GraphError.tokenUnparsable }
        let proof = call.params.string("appsecret_proof")
        if let proof, !proof.isEmpty {
            let expected = FacebookTokens.appSecretProof(token: value, secret: call.app.clientSecret)
            guard FacebookTokens.constantTimeEquals(proof.lowercased(), expected) else { throw GraphError.proofInvalid }
        } else if config.requireAppSecretProof {
            throw GraphError.proofMissing
        }
        return token
    }
}

/// What an authenticated handler gets besides the call: the checked token, the sandbox time, the settings,
/// and the trace it fills.
struct GraphContextState {
    var token = FacebookToken(value: "", kind: .short, userID: "", userName: "", appID: "", scopes: [], issuedAt: .distantPast,
                              expiresAt: nil, revoked: false)
    var now = Date.distantPast
    var config = FacebookConfig(hourlyCallLimit: 0, removeThreshold: 0, requireAppSecretProof: true)
    var trace = GraphTrace()

    /// Reads need `ads_read` or `ads_management`.
    func requireRead() throws {
        guard token.hasScope("ads_management") || token.hasScope("ads_read") else { throw GraphError.adsReadRequired }
    }

    /// Writes need `ads_management`.
    func requireManage() throws {
        guard token.hasScope("ads_management") else { throw GraphError.adsManagementRequired }
    }
}
