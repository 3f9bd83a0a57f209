import FastCGI
import Foundation
import GRDB

/// Google's OAuth 2.0 web-server flow (partners.md §3.1, §3b.1): the consent page at
/// `/google/accounts/o/oauth2/v2/auth`, with PKCE (RFC 7636) checked at the token endpoint.
enum GoogleOAuth {
    /// Codes live ten minutes and work once.
    static let codeLifetime: TimeInterval = 600

    /// Scopes the consent page knows, in its own words.
    static let scopeWords: [String: String] = [
        GoogleTokens.dataManagerScope: "See, edit, create, and delete your Google Ads audience data (Data Manager)",
        GoogleTokens.adwordsScope: "See, edit, create, and delete your Google Ads accounts and data",
        "openid": "Associate you with your personal info on Google",
        "email": "See your primary Google Account email address",
        "profile": "See your personal info, including any personal info you've made publicly available",
    ]

    struct ConsentModel {
        struct Scope { let name: String; let words: String }
        let title: String
        let appName: String
        let userName: String
        let userEmail: String
        let scopes: [Scope]
        let action: String
        let hidden: [Hidden]
    }

    struct Hidden { let name: String; let value: String }

    struct ErrorModel: Error {
        let title: String
        let heading: String
        let message: String
        let detail: String?
    }

    /// The parameters of a consent request, checked before anything is shown.
    struct AuthRequest {
        let clientID: String
        let redirectURI: String
        let state: String?
        let scopes: [String]
        let offline: Bool
        let challenge: String?
        let challengeMethod: String?
    }

    /// `GET` shows the consent page; `POST` is its form (`decision=allow|deny`).
    static func consent(_ request: Request, context: SandboxContext, app: SandboxApp) -> Response {
        let params = request.method == "POST" ? request.form : request.query
        let auth: AuthRequest
        switch validate(params, app: app) {
        case .success(let value): auth = value
        case .failure(let page): return context.pages.render("google-error", page, status: 400)
        }
        if request.method == "GET" || request.method == "HEAD" {
            let names = ["client_id", "redirect_uri", "response_type", "scope", "state", "access_type", "prompt", "include_granted_scopes",
                         "code_challenge", "code_challenge_method"]
            let hidden = names.compactMap { name in params[name].map { Hidden(name: name, value: $0) } }
            let model = ConsentModel(
                title: "Sign in with Google", appName: app.name, userName: GoogleSchema.demoUserName, userEmail: GoogleSchema.demoUserEmail,
                scopes: auth.scopes.map { ConsentModel.Scope(name: $0, words: scopeWords[$0] ?? $0) }, action: request.path, hidden: hidden)
            return context.pages.render("google-consent", model)
        }
        guard request.method == "POST" else { return SandboxRouter.notFound(request, context: context) }
        switch params["decision"] {
        case "allow":
            do {
                let code = GoogleIDs.code()
                try context.store.write { db in
                    let now = try context.store.now(db)
                    try db.execute(
                        sql: """
                            INSERT INTO google_codes (code, client_id, redirect_uri, scopes, offline, challenge, challenge_method, user_id,
                                created_at, expires_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [code, auth.clientID, auth.redirectURI, auth.scopes.joined(separator: " "), auth.offline ? 1 : 0,
                                    auth.challenge, auth.challengeMethod, GoogleSchema.demoUserID, now.timeIntervalSince1970,
                                    now.addingTimeInterval(codeLifetime).timeIntervalSince1970])
                }
                var query = [("code", code)]
                if let state = auth.state { query.insert(("state", state), at: 0) }
                query += [("scope", auth.scopes.joined(separator: " ")), ("authuser", "0"), ("prompt", "consent")]
                return redirect(to: auth.redirectURI, query: query)
            } catch {
                return Knob.storeFailure(error)
            }
        case "deny":
            var query = [("error", "access_denied")]
            if let state = auth.state { query.append(("state", state)) }
            return redirect(to: auth.redirectURI, query: query)
        default:
            let page = ErrorModel(title: "Error", heading: "Something went wrong", message: "Choose Allow or Cancel to answer the request.", detail: nil)
            return context.pages.render("google-error", page, status: 400)
        }
    }

    private static func redirect(to uri: String, query: [(String, String)]) -> Response {
        let separator = uri.contains("?") ? "&" : "?"
        let text = query.map { URLEncoding.encode($0.0) + "=" + URLEncoding.encode($0.1) }.joined(separator: "&")
        return Response(status: 302, headers: [("Location", uri + separator + text), ("Cache-Control", "no-store")])
    }

    /// Google's checks, in its order; a bad client or redirect URI gets an error page, never a redirect.
    static func validate(_ params: FormValues, app: SandboxApp) -> Result<AuthRequest, ErrorModel> {
        guard let clientID = params["client_id"], clientID == app.clientID else {
            return .failure(ErrorModel(title: "Error 401: invalid_client", heading: "Access blocked: Authorization Error",
                                       message: "The OAuth client was not found.", detail: "Error 401: invalid_client"))
        }
        guard let redirectURI = params["redirect_uri"], app.redirectURIs.contains(redirectURI) else {
            return .failure(ErrorModel(
                title: "Error 400: redirect_uri_mismatch", heading: "Access blocked: This app's request is invalid",
                message: "You can't sign in because this app sent an invalid request. The redirect URI in the request does not match the ones authorized for the OAuth client.",
                detail: "Error 400: redirect_uri_mismatch"))
        }
        guard params["response_type"] == "code" else {
            return .failure(ErrorModel(title: "Error 400: invalid_request", heading: "Access blocked: Authorization Error",
                                       message: "Required parameter is missing or invalid: response_type", detail: "Error 400: invalid_request"))
        }
        var scopes: [String] = []
        for piece in (params["scope"] ?? "").split(separator: " ") where !scopes.contains(String(piece)) { scopes.append(String(piece)) }
        let unknown = scopes.filter { scopeWords[$0] == nil }
        guard !scopes.isEmpty, unknown.isEmpty else {
            return .failure(ErrorModel(title: "Error 400: invalid_scope", heading: "Access blocked: Authorization Error",
                                       message: scopes.isEmpty ? "Missing required parameter: scope" : "Some requested scopes were invalid: \(unknown.joined(separator: ", "))",
                                       detail: "Error 400: invalid_scope"))
        }
        let challenge = params["code_challenge"].flatMap { $0.isEmpty ? nil : $0 }
        let method = params["code_challenge_method"].flatMap { $0.isEmpty ? nil : $0 }
        if let method, !["S256", "plain"].contains(method) {
            return .failure(ErrorModel(title: "Error 400: invalid_request", heading: "Access blocked: Authorization Error",
                                       message: "Invalid code_challenge_method: \(method)", detail: "Error 400: invalid_request"))
        }
        if method != nil, challenge == nil {
            return .failure(ErrorModel(title: "Error 400: invalid_request", heading: "Access blocked: Authorization Error",
                                       message: "Missing code_challenge.", detail: "Error 400: invalid_request"))
        }
        return .success(AuthRequest(clientID: clientID, redirectURI: redirectURI, state: params["state"].flatMap { $0.isEmpty ? nil : $0 },
                                    scopes: scopes, offline: params["access_type"] == "offline", challenge: challenge,
                                    challengeMethod: challenge == nil ? nil : (method ?? "plain")))
    }
}
