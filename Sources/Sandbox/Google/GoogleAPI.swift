import FastCGI
import Foundation
import GRDB

/// One parsed call of the Google Ads API or the Data Manager API.
struct GoogleCall: Sendable {
    let request: Request
    /// Path components after the version (`["audienceMembers:ingest"]`).
    let path: [String]
    let context: SandboxContext
    let app: SandboxApp

    /// The JSON body as an object; an empty body is `{}`, anything else not an object is Google's "Invalid JSON payload".
    func body() throws -> [(String, JSON)] {
        let text = String(decoding: request.body, as: UTF8.self)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        guard let json = JSON.parse(text), case .object(let members) = json else {
            throw GoogleStatusError.badJSON("Expected a JSON object.")
        }
        return members
    }
}

/// What a handler gets besides the call: the checked token, the sandbox time, the settings, and the log notes it fills.
struct GoogleState {
    var token = GoogleToken(value: "", isRefresh: false, userID: "", clientID: "", scopes: [], issuedAt: .distantPast, expiresAt: nil, revoked: false)
    var now = Date.distantPast
    var config = GoogleConfig(ingestionPerMinute: 0, managementPerMinute: 0, sizeFloor: 0, developerToken: "")
    var adAccount: String?
    var retryAfter: Int?
}

/// Authentication, customer access and the transaction around each API call.
enum GoogleAPI {
    typealias Handler = (GoogleCall, Database, inout GoogleState) throws -> JSON

    /// Runs `handler` after the token check (and the scope the API needs) in one IMMEDIATE transaction that commits even
    /// when the handler ends in an error, so counted calls and quota rejections are kept.
    static func authed(_ call: GoogleCall, scope: String, notes: inout RequestNotes, _ handler: Handler) -> Response {
        var state = GoogleState()
        let result: Result<JSON, GoogleStatusError>
        do {
            result = try call.context.store.write { db in
                do {
                    state.now = try call.context.store.now(db)
                    state.config = try GoogleConfig.load(db)
                    state.token = try GoogleTokens.usableAccess(db, value: call.request.bearerToken, clientID: call.app.clientID, now: state.now)
                    guard state.token.hasScope(scope) else {
                        throw GoogleStatusError.scopeInsufficient(scope == GoogleTokens.adwordsScope ? "googleads.googleapis.com" : "datamanager.googleapis.com")
                    }
                    return .success(try handler(call, db, &state))
                } catch let error as GoogleStatusError {
                    return .failure(error)
                }
            }
        } catch {
            return GoogleStatusError.internalError.response(recording: &notes)
        }
        notes.adAccount = state.adAccount
        switch result {
        case .success(let json): return json.response()
        case .failure(let error): return error.response(recording: &notes)
        }
    }

    /// The customer `id` when the token's user may act on it: directly, or through `login` (a manager the user reaches
    /// that manages it). `denied` is the error to throw otherwise.
    static func customer(_ db: Database, id: String, login: String?, userID: String, denied: GoogleStatusError) throws -> Row {
        guard id.count == 10, id.allSatisfy(\.isNumber),
              let row = try Row.fetchOne(db, sql: "SELECT * FROM google_customers WHERE id = ?", arguments: [id]) else { throw denied }
        if let login, !login.isEmpty {
            guard try reaches(db, userID: userID, customerID: login),
                  let manager = try Row.fetchOne(db, sql: "SELECT * FROM google_customers WHERE id = ? AND manager = 1", arguments: [login])
            else { throw denied }
            let managedBy: String? = row["managed_by"]
            let managerID: String = manager["id"]
            guard managerID == id || managedBy == managerID else { throw denied }
            return row
        }
        guard try reaches(db, userID: userID, customerID: id) else { throw denied }
        return row
    }

    static func reaches(_ db: Database, userID: String, customerID: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM google_customer_access WHERE user_id = ? AND customer_id = ?", arguments: [userID, customerID]) ?? false
    }

    /// Notes the headers that matter (never the token itself), for `/_sandbox/google/headers`.
    static func recordHeaders(_ request: Request, store: SandboxStore) {
        let scheme = request.header("authorization").flatMap { $0.split(separator: " ").first.map(String.init) }
        _ = try? store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO google_headers (method, path, authorization_scheme, developer_token, login_customer_id, login_account, content_type)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [request.method, request.path, scheme, request.header("developer-token"), request.header("login-customer-id"),
                            request.header("login-account"), request.contentType])
        }
    }
}
