import FastCGI
import Foundation
import GRDB

/// Facebook Login's manual flow (partners.md §1.1): the consent dialog on "www", and the token endpoint on
/// Graph (code exchange and long-lived exchange).
enum FacebookOAuth {
    /// Authorization codes live ten minutes.
    static let codeLifetime: TimeInterval = 600

    /// Permissions the dialog knows, in the words the consent page uses.
    static let scopeWords: [String: String] = [
        "public_profile": "Your name and profile picture",
        "email": "Your email address",
        "ads_management": "Manage your ads",
        "ads_read": "Read the performance of your ads",
        "business_management": "Manage your business",
        "pages_show_list": "Show a list of the Pages you manage",
        "read_insights": "Read the insights of Pages you manage",
    ]

    // MARK: The dialog

    private struct ConsentModel {
        /// `required` scopes (public_profile) cannot be unticked, as on Facebook's own dialog.
        struct Scope { let name: String; let words: String; let required: Bool }
        let title: String
        let appName: String
        let userName: String
        let scopes: [Scope]
        let action: String
        let clientID: String
        let redirectURI: String
        let state: String
        let scope: String
        let responseType: String
    }

    private struct ErrorModel: Error {
        let title: String
        let heading: String
        let message: String
        let detail: String?
    }

    /// The parameters of a dialog request, checked the way Facebook checks them before showing anything.
    private struct DialogRequest {
        let clientID: String
        let redirectURI: String
        let state: String?
        let scopes: [String]
        let scopeText: String
        let responseType: String
    }

    /// `GET|POST /facebook/www/v{N}/dialog/oauth`.
    static func dialog(_ request: Request, context: SandboxContext, app: SandboxApp) -> Response {
        let params = request.method == "POST" ? request.form : request.query
        let dialog: DialogRequest
        switch validate(params, app: app) {
        case .success(let value): dialog = value
        case .failure(let page): return context.pages.render("facebook-error", page, status: 400)
        }
        if request.method == "GET" || request.method == "HEAD" {
            let model = ConsentModel(
                title: "Log in with Facebook", appName: app.name, userName: FacebookSchema.demoUserName,
                scopes: dialog.scopes.map { ConsentModel.Scope(name: $0, words: scopeWords[$0] ?? $0, required: $0 == "public_profile") },
                action: request.path, clientID: dialog.clientID, redirectURI: dialog.redirectURI, state: dialog.state ?? "",
                scope: dialog.scopeText, responseType: dialog.responseType)
            return context.pages.render("facebook-consent", model)
        }
        guard request.method == "POST" else { return SandboxRouter.notFound(request, context: context) }
        switch params["decision"] {
        case "accept":
            // The person may untick permissions, as "Edit access" allows on Facebook: the token gets only what was left
            // ticked (public_profile always). A form without the checkboxes (a script) grants everything asked.
            let granted = params["granted_shown"] == nil ? dialog.scopes
                : dialog.scopes.filter { $0 == "public_profile" || params.all("granted").contains($0) }
            do {
                let code = FacebookIDs.authorizationCode()
                try context.store.write { db in
                    let now = try context.store.now(db)
                    try db.execute(
                        sql: """
                            INSERT INTO fb_codes (code, client_id, redirect_uri, scopes, user_id, created_at, expires_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [code, dialog.clientID, dialog.redirectURI, granted.joined(separator: ","),
                                    FacebookSchema.demoUserID, now.timeIntervalSince1970, now.addingTimeInterval(codeLifetime).timeIntervalSince1970])
                }
                var query = "code=" + URLEncoding.encode(code)
                if let state = dialog.state { query += "&state=" + URLEncoding.encode(state) }
                return redirect(to: dialog.redirectURI, query: query)
            } catch {
                return Knob.storeFailure(error)
            }
        case "cancel":
            var query = "error=access_denied&error_code=200&error_description=Permissions+error&error_reason=user_denied"
            if let state = dialog.state { query += "&state=" + URLEncoding.encode(state) }
            return redirect(to: dialog.redirectURI, query: query)
        default:
            let page = ErrorModel(title: "Error", heading: "Something went wrong",
                                  message: "Choose Continue or Cancel to answer the request.", detail: nil)
            return context.pages.render("facebook-error", page, status: 400)
        }
    }

    /// A 302 to the app's redirect URI with `query` appended, as Facebook answers the dialog.
    private static func redirect(to uri: String, query: String) -> Response {
        let separator = uri.contains("?") ? "&" : "?"
        return Response(status: 302, headers: [("Location", uri + separator + query), ("Cache-Control", "no-store")])
    }

    private static func validate(_ params: FormValues, app: SandboxApp) -> Result<DialogRequest, ErrorModel> {
        guard let clientID = params["client_id"], clientID == app.clientID else {
            return .failure(ErrorModel(title: "Error", heading: "Invalid App ID",
                                       message: "The provided app ID does not look like a valid app ID.",
                                       detail: params["client_id"].map { "App ID: \($0)" } ?? "No app ID was given."))
        }
        guard let redirectURI = params["redirect_uri"], app.redirectURIs.contains(redirectURI) else {
            return .failure(ErrorModel(
                title: "Error", heading: "URL blocked",
                message: "URL blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs.",
                detail: params["redirect_uri"].map { "redirect_uri: \($0)" } ?? "No redirect_uri was given."))
        }
        let responseType = params["response_type"].flatMap { $0.isEmpty ? nil : $0 } ?? "code"
        guard responseType == "code" else {
            return .failure(ErrorModel(title: "Error", heading: "Unsupported response_type",
                                       message: "The sandbox emulates the server-side flow only: response_type must be code.",
                                       detail: "response_type: \(responseType)"))
        }
        let scopeText = params["scope"] ?? ""
        var scopes: [String] = []
        for piece in scopeText.split(whereSeparator: { $0 == "," || $0 == " " }) {
            let scope = String(piece)
            if !scopes.contains(scope) { scopes.append(scope) }
        }
        let unknown = scopes.filter { scopeWords[$0] == nil }
        guard unknown.isEmpty else {
            return .failure(ErrorModel(
                title: "Error", heading: "Invalid Scopes: \(unknown.joined(separator: ", "))",
                message: "This message is only shown to developers. Users of your app will ignore these permissions if present. Please read the documentation for valid permissions at: https://developers.facebook.com/docs/facebook-login/permissions",
                detail: nil))
        }
        if !scopes.contains("public_profile") { scopes.append("public_profile") }
        let state = params["state"].flatMap { $0.isEmpty ? nil : $0 }
        return .success(DialogRequest(clientID: clientID, redirectURI: redirectURI, state: state, scopes: scopes,
                                      scopeText: scopeText, responseType: responseType))
    }

    // MARK: The token endpoint

    /// `GET|POST /oauth/access_token`: code exchange, or `grant_type=fb_exchange_token`.
    static func accessToken(_ call: GraphCall, notes: inout RequestNotes) -> Response {
        let params = call.params
        do {
            let json: JSON = try call.context.store.write { db in
                let now = try call.context.store.now(db)
                guard let clientID = params.string("client_id"), !clientID.isEmpty else { throw GraphError.missingClientID }
                guard clientID == call.app.clientID else { throw GraphError.invalidAppID }
                guard let secret = params.string("client_secret"),
                      FacebookTokens.constantTimeEquals(secret, call.app.clientSecret) else {
                    throw GraphError.invalidClientSecret
                }
                if params.string("grant_type") == "fb_exchange_token" {
                    return try exchangeForLongLived(params, db, app: call.app, now: now)
                }
                return try exchangeCode(params, db, app: call.app, now: now)
            }
            return json.response()
        } catch let error as GraphError {
            return error.response(recording: &notes)
        } catch {
            return GraphError.unknown.response(recording: &notes)
        }
    }

    /// Code → short-lived user token. The code is single-use, ten minutes, bound to app and redirect URI.
    private static func exchangeCode(_ params: GraphParams, _ db: Database, app: SandboxApp, now: Date) throws -> JSON {
        guard let code = params.string("code"), !code.isEmpty else { throw GraphError.missingCode }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM fb_codes WHERE code = ? AND client_id = ?", arguments: [code, app.clientID])
        else { throw GraphError.codeFormat }
        let usedAt: Double? = row["used_at"]
        if usedAt != nil { throw GraphError.codeUsed }
        let expiresAt: Double = row["expires_at"]
        if now.timeIntervalSince1970 >= expiresAt { throw GraphError.codeExpired }
        let redirectURI: String = row["redirect_uri"]
        guard params.string("redirect_uri") == redirectURI else { throw GraphError.codeRedirectMismatch }
        try db.execute(sql: "UPDATE fb_codes SET used_at = ? WHERE code = ?", arguments: [now.timeIntervalSince1970, code])
        let scopes: String = row["scopes"]
        let token = try FacebookTokens.issue(db, kind: .short, userID: row["user_id"], appID: app.clientID,
                                             scopes: scopes.split(separator: ",").map(String.init), now: now)
        return .object([("access_token", .string(token.value)), ("token_type", .string("bearer")),
                        ("expires_in", .int(Int(FacebookTokens.shortLifetime)))])
    }

    /// A valid user token → a long-lived one (about 60 days). Expired or revoked tokens cannot be exchanged.
    private static func exchangeForLongLived(_ params: GraphParams, _ db: Database, app: SandboxApp, now: Date) throws -> JSON {
        guard let value = params.string("fb_exchange_token"), !value.isEmpty else { throw GraphError.required("fb_exchange_token") }
        let old = try FacebookTokens.usable(db, value: value, now: now)
        guard old.appID == app.clientID else { throw GraphError.tokenUnparsable }
        guard old.kind != .systemUser else {
            throw GraphError.invalidParameter("fb_exchange_token must be a user access token")
        }
        let token = try FacebookTokens.issue(db, kind: .long, userID: old.userID, appID: app.clientID, scopes: old.scopes, now: now)
        return .object([("access_token", .string(token.value)), ("token_type", .string("bearer")),
                        ("expires_in", .int(Int(FacebookTokens.longLifetime)))])
    }
}

/// `GET /debug_token?input_token=…&access_token=<app_id>|<app_secret>`.
enum FacebookDebugToken {
    static func handle(_ call: GraphCall, notes: inout RequestNotes) -> Response {
        do {
            let json: JSON = try call.context.store.read { db in
                let now = try call.context.store.now(db)
                guard let caller = call.accessToken else { throw GraphError.tokenRequired }
                if caller.contains("|") {
                    guard caller == "\(call.app.clientID)|\(call.app.clientSecret)" else { throw GraphError.appTokenSignature }
                } else {
                    // A developer's own valid token of this app may inspect tokens too.
                    let token = try FacebookTokens.usable(db, value: caller, now: now)
                    guard token.appID == call.app.clientID else { throw GraphError.tokenUnparsable }
                }
                guard let input = call.params.string("input_token"), !input.isEmpty else { throw GraphError.required("input_token") }
                guard let token = try FacebookTokens.find(db, value: input), token.appID == call.app.clientID else {
                    let error = GraphError.tokenUnparsable
                    return .object([("data", .object([
                        ("error", .object([("code", .int(error.code)), ("message", .string(error.message))])),
                        ("is_valid", .bool(false)), ("scopes", .array([])),
                    ]))])
                }
                return .object([("data", data(for: token, app: call.app, now: now))])
            }
            return json.response()
        } catch let error as GraphError {
            return error.response(recording: &notes)
        } catch {
            return GraphError.unknown.response(recording: &notes)
        }
    }

    private static func data(for token: FacebookToken, app: SandboxApp, now: Date) -> JSON {
        let problem = FacebookTokens.problem(token, now: now)
        let dataAccess = token.kind == .systemUser ? 0 : Int(token.issuedAt.addingTimeInterval(FacebookTokens.dataAccessLifetime).timeIntervalSince1970)
        var members: [(String, JSON)] = [
            ("app_id", .string(app.clientID)), ("type", .string(token.debugType)), ("application", .string(app.name)),
            ("data_access_expires_at", .int(dataAccess)),
            ("expires_at", .int(token.expiresAt.map { Int($0.timeIntervalSince1970) } ?? 0)),
            ("is_valid", .bool(problem == nil)), ("issued_at", .int(Int(token.issuedAt.timeIntervalSince1970))),
            ("scopes", .array(token.scopes.map(JSON.string))), ("user_id", .string(token.userID)),
        ]
        if let problem {
            var error: [(String, JSON)] = [("code", .int(problem.code)), ("message", .string(problem.message))]
            if let subcode = problem.subcode { error.append(("subcode", .int(subcode))) }
            members.insert(("error", .object(error)), at: 4)
        }
        return .object(members)
    }
}
