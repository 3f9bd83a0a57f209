import FastCGI
import Foundation
import GRDB

/// LinkedIn's 3-legged OAuth (partners.md §7.1): the consent page on `www.linkedin.com/oauth/v2/authorization`,
/// the token endpoint `…/accessToken` (code and refresh grants), and token introspection `…/introspectToken`.
enum LinkedInOAuth {
    /// Authorization codes live 30 minutes at LinkedIn.
    static let codeLifetime: TimeInterval = 1800

    /// Scopes the consent page knows, in the words it shows.
    static let scopeWords: [String: String] = [
        "r_basicprofile": "Use your basic profile including your name, photo, headline, and public profile URL",
        "r_liteprofile": "Use your name and photo",
        "r_emailaddress": "Use the primary email address associated with your LinkedIn account",
        "r_ads": "Retrieve your advertising accounts",
        "rw_ads": "Manage your advertising accounts",
        "r_ads_reporting": "Retrieve reporting for your advertising accounts",
        "rw_dmp_segments": "Create and manage your matched audiences",
        "openid": "Use your name and photo", "profile": "Use your name and photo", "email": "Use your email address",
    ]

    private struct ConsentModel {
        struct Scope { let name: String; let words: String }
        let title: String
        let appName: String
        let memberName: String
        let scopes: [Scope]
        let action: String
        let clientID: String
        let redirectURI: String
        let state: String
        let scope: String
    }

    private struct ErrorModel {
        let title: String
        let heading: String
        let message: String
    }

    /// `GET` shows the consent page; `POST` is its form (Allow or Cancel).
    static func dialog(_ request: Request, context: SandboxContext, app: SandboxApp) -> Response {
        let params = request.method == "POST" ? request.form : request.query
        // Nothing is redirected before the app and its exact redirect URI are known.
        guard let clientID = params["client_id"], clientID == app.clientID else {
            return errorPage(context, "Invalid client_id", "The application could not be found. Check client_id (\(params["client_id"] ?? "missing")).")
        }
        guard let redirectURI = params["redirect_uri"], app.redirectURIs.contains(redirectURI) else {
            return errorPage(context, "Invalid redirect_uri",
                             "The redirect_uri does not match the registered value (\(params["redirect_uri"] ?? "missing")).")
        }
        let state = params["state"] ?? ""
        guard params["response_type"] == "code" else {
            return redirect(redirectURI, [("error", "invalid_request"), ("error_description", "response_type must be code"), ("state", state)])
        }
        let scopeText = params["scope"] ?? ""
        var scopes: [String] = []
        for piece in scopeText.split(whereSeparator: { $0 == " " || $0 == "," }) where !scopes.contains(String(piece)) {
            scopes.append(String(piece))
        }
        if let unknown = scopes.first(where: { scopeWords[$0] == nil }) ?? (scopes.isEmpty ? "" : nil) {
            return redirect(redirectURI, [("error", "unauthorized_scope_error"),
                                          ("error_description", "Scope \"\(unknown)\" is not authorized for your application"), ("state", state)])
        }
        switch (request.method, params["action"]) {
        case ("GET", _), ("HEAD", _):
            return context.pages.render("linkedin-consent", ConsentModel(
                title: "LinkedIn: Sign in and allow access", appName: app.name, memberName: LinkedInSchema.demoMemberName,
                scopes: scopes.map { .init(name: $0, words: scopeWords[$0] ?? $0) }, action: request.path, clientID: clientID,
                redirectURI: redirectURI, state: state, scope: scopes.joined(separator: " ")))
        case ("POST", "allow"):
            do {
                let code = LinkedInIDs.code()
                try context.store.write { db in
                    let now = try context.store.now(db)
                    try db.execute(sql: """
                        INSERT INTO li_codes (code, client_id, redirect_uri, scopes, member_id, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [code, clientID, redirectURI, scopes.joined(separator: ","), LinkedInSchema.demoMemberID,
                                         now.addingTimeInterval(codeLifetime).timeIntervalSince1970])
                }
                return redirect(redirectURI, [("code", code), ("state", state)])
            } catch {
                return Knob.storeFailure(error)
            }
        case ("POST", "deny"):
            // LinkedIn's own code is `user_cancelled_authorize`; the sandbox answers OAuth's standard
            // `access_denied`, which is what the app treats as a person's refusal.
            return redirect(redirectURI, [("error", "access_denied"), ("error_description", "The user cancelled the authorization"),
                                          ("state", state)])
        default:
            return errorPage(context, "Something went wrong", "Choose Allow or Cancel to answer the request.")
        }
    }

    private static func errorPage(_ context: SandboxContext, _ heading: String, _ message: String) -> Response {
        context.pages.render("linkedin-error", ErrorModel(title: "LinkedIn: error", heading: heading, message: message), status: 400)
    }

    private static func redirect(_ uri: String, _ pairs: [(String, String)]) -> Response {
        let query = pairs.filter { !($0.0 == "state" && $0.1.isEmpty) }.map { URLEncoding.encode($0.0) + "=" + URLEncoding.encode($0.1) }
        let separator = uri.contains("?") ? "&" : "?"
        return Response(status: 302, headers: [("Location", uri + separator + query.joined(separator: "&")), ("Cache-Control", "no-store")])
    }

    // MARK: Token endpoint

    /// `POST …/accessToken` (form): `authorization_code` or `refresh_token` grant, client secret checked.
    static func accessToken(_ request: Request, context: SandboxContext, app: SandboxApp) -> Response {
        let form = request.form
        guard request.method == "POST" else { return LinkedInOAuthError.invalidRequest("Only POST is supported").response }
        do {
            let json: JSON = try context.store.write { db in
                let now = try context.store.now(db)
                guard form["client_id"] == app.clientID, let secret = form["client_secret"],
                      LinkedInTokens.constantTimeEquals(secret, app.clientSecret) else { throw LinkedInOAuthError.invalidClient }
                switch form["grant_type"] {
                case "authorization_code": return try exchangeCode(form, db, app: app, now: now)
                case "refresh_token": return try refresh(form, db, app: app, now: now)
                default: throw LinkedInOAuthError(status: 400, error: "unsupported_grant_type", description: "grant_type is not supported")
                }
            }
            return json.response()
        } catch let error as LinkedInOAuthError {
            return error.response
        } catch {
            return Knob.storeFailure(error)
        }
    }

    /// Code → access token (60 days) + refresh token (365 days). Codes are single-use and bound to the redirect URI.
    private static func exchangeCode(_ form: FormValues, _ db: Database, app: SandboxApp, now: Date) throws -> JSON {
        guard let code = form["code"], !code.isEmpty else { throw LinkedInOAuthError.invalidRequest("A required parameter \"code\" is missing") }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM li_codes WHERE code = ? AND client_id = ?", arguments: [code, app.clientID]),
              (row["used_at"] as Double?) == nil, (row["expires_at"] as Double) > now.timeIntervalSince1970,
              form["redirect_uri"] == (row["redirect_uri"] as String) else { throw LinkedInOAuthError.badCode }
        try db.execute(sql: "UPDATE li_codes SET used_at = ? WHERE code = ?", arguments: [now.timeIntervalSince1970, code])
        let scopes = (row["scopes"] as String).split(separator: ",").map(String.init)
        let member: String = row["member_id"]
        let access = try LinkedInTokens.issue(db, kind: "access", memberID: member, clientID: app.clientID, scopes: scopes, now: now,
                                              expiresAt: now.addingTimeInterval(LinkedInTokens.accessLifetime))
        let refresh = try LinkedInTokens.issue(db, kind: "refresh", memberID: member, clientID: app.clientID, scopes: scopes, now: now,
                                               expiresAt: now.addingTimeInterval(LinkedInTokens.refreshLifetime))
        return answer(access: access, refresh: refresh, now: now)
    }

    /// Refresh → a new access token; the same refresh token comes back with what is left of its year.
    private static func refresh(_ form: FormValues, _ db: Database, app: SandboxApp, now: Date) throws -> JSON {
        guard let value = form["refresh_token"], !value.isEmpty else {
            throw LinkedInOAuthError.invalidRequest("A required parameter \"refresh_token\" is missing")
        }
        guard let refresh = try LinkedInTokens.find(db, value: value, kind: "refresh"), refresh.clientID == app.clientID,
              !refresh.revoked, refresh.expiresAt > now else { throw LinkedInOAuthError.badRefresh }
        let access = try LinkedInTokens.issue(db, kind: "access", memberID: refresh.memberID, clientID: app.clientID, scopes: refresh.scopes,
                                              now: now, expiresAt: now.addingTimeInterval(LinkedInTokens.accessLifetime))
        return answer(access: access, refresh: refresh, now: now)
    }

    private static func answer(access: LinkedInToken, refresh: LinkedInToken, now: Date) -> JSON {
        .object([
            ("access_token", .string(access.value)), ("expires_in", .int(Int(access.expiresAt.timeIntervalSince(now)))),
            ("refresh_token", .string(refresh.value)), ("refresh_token_expires_in", .int(Int(refresh.expiresAt.timeIntervalSince(now)))),
            ("scope", .string(access.scopes.joined(separator: ","))), ("token_type", .string("Bearer")),
        ])
    }

    /// `POST …/introspectToken` (form: client_id, client_secret, token).
    static func introspect(_ request: Request, context: SandboxContext, app: SandboxApp) -> Response {
        let form = request.form
        do {
            let json: JSON = try context.store.read { db in
                let now = try context.store.now(db)
                guard form["client_id"] == app.clientID, let secret = form["client_secret"],
                      LinkedInTokens.constantTimeEquals(secret, app.clientSecret) else { throw LinkedInOAuthError.invalidClient }
                guard let value = form["token"], let token = try LinkedInTokens.find(db, value: value, kind: "access")
                    ?? LinkedInTokens.find(db, value: value, kind: "refresh"), token.clientID == app.clientID else {
                    return .object([("active", .bool(false))])
                }
                let status = token.revoked ? "revoked" : (token.expiresAt <= now ? "expired" : "active")
                return .object([
                    ("active", .bool(status == "active")), ("client_id", .string(token.clientID)),
                    ("authorized_at", .int(Int(token.issuedAt.timeIntervalSince1970))), ("created_at", .int(Int(token.issuedAt.timeIntervalSince1970))),
                    ("status", .string(status)), ("expires_at", .int(Int(token.expiresAt.timeIntervalSince1970))),
                    ("scope", .string(token.scopes.joined(separator: ","))), ("auth_type", .string("3L")),
                ])
            }
            return json.response()
        } catch let error as LinkedInOAuthError {
            return error.response
        } catch {
            return Knob.storeFailure(error)
        }
    }
}
