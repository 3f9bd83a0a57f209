import FastCGI
import Foundation
import GRDB

/// An OAuth error of the token endpoint: `{"error":"invalid_grant","error_description":"Bad Request"}`.
struct GoogleOAuthError: Error {
    let status: Int
    let error: String
    let description: String

    var response: Response {
        JSON.object([("error", .string(error)), ("error_description", .string(description))]).response(status: status)
    }

    static func invalidGrant(_ description: String) -> GoogleOAuthError { GoogleOAuthError(status: 400, error: "invalid_grant", description: description) }
    static let clientNotFound = GoogleOAuthError(status: 401, error: "invalid_client", description: "The OAuth client was not found.")
    static let badSecret = GoogleOAuthError(status: 401, error: "invalid_client", description: "Unauthorized")
}

/// `POST /google/oauth2/token` (authorization code with PKCE, refresh) and `GET /google/oauth2/tokeninfo`.
enum GoogleTokenEndpoint {
    static func token(_ request: Request, context: SandboxContext, app: SandboxApp, notes: inout RequestNotes) -> Response {
        guard request.method == "POST" else {
            return GoogleOAuthError(status: 405, error: "invalid_request", description: "Use POST").response
        }
        let form = request.form
        do {
            let json: JSON = try context.store.write { db in
                let now = try context.store.now(db)
                guard let clientID = form["client_id"], clientID == app.clientID else { throw GoogleOAuthError.clientNotFound }
                guard let secret = form["client_secret"], FacebookTokens.constantTimeEquals(secret, app.clientSecret) else {
                    throw GoogleOAuthError.badSecret
                }
                switch form["grant_type"] {
                case "authorization_code": return try exchange(form, db, app: app, now: now)
                case "refresh_token": return try refresh(form, db, app: app, now: now)
                case let other:
                    throw GoogleOAuthError(status: 400, error: "unsupported_grant_type", description: "Invalid grant_type: \(other ?? "")")
                }
            }
            return json.response().adding("Cache-Control", "no-store")
        } catch let error as GoogleOAuthError {
            notes.errorCode = error.status
            return error.response
        } catch {
            return Knob.storeFailure(error)
        }
    }

    /// Code → access token (+ refresh token when `access_type=offline`). The code is single-use, ten minutes, bound to
    /// the client and the redirect URI, and to the PKCE challenge when one was given.
    private static func exchange(_ form: FormValues, _ db: Database, app: SandboxApp, now: Date) throws -> JSON {
        guard let code = form["code"], !code.isEmpty else {
            throw GoogleOAuthError(status: 400, error: "invalid_request", description: "Missing required parameter: code")
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM google_codes WHERE code = ? AND client_id = ?", arguments: [code, app.clientID])
        else { throw GoogleOAuthError.invalidGrant("Malformed auth code.") }
        let usedAt: Double? = row["used_at"]
        let expiresAt: Double = row["expires_at"]
        guard usedAt == nil, now.timeIntervalSince1970 < expiresAt else { throw GoogleOAuthError.invalidGrant("Bad Request") }
        let redirectURI: String = row["redirect_uri"]
        guard form["redirect_uri"] == redirectURI else {
            throw GoogleOAuthError(status: 400, error: "redirect_uri_mismatch", description: "Bad Request")
        }
        let challenge: String? = row["challenge"]
        let method: String? = row["challenge_method"]
        if let challenge {
            guard let verifier = form["code_verifier"], !verifier.isEmpty else { throw GoogleOAuthError.invalidGrant("Missing code verifier.") }
            let derived = method == "S256" ? GoogleTokens.s256(verifier) : verifier
            guard GoogleTokens.isWellFormedVerifier(verifier), FacebookTokens.constantTimeEquals(derived, challenge) else {
                throw GoogleOAuthError.invalidGrant("Invalid code verifier.")
            }
        }
        // Spent now: the same code never gives a second token.
        try db.execute(sql: "UPDATE google_codes SET used_at = ? WHERE code = ?", arguments: [now.timeIntervalSince1970, code])
        let scopesText: String = row["scopes"]
        let scopes = scopesText.split(separator: " ").map(String.init)
        let offline: Int = row["offline"]
        let userID: String = row["user_id"]
        let access = try GoogleTokens.issue(db, refresh: false, userID: userID, clientID: app.clientID, scopes: scopes, now: now)
        var members: [(String, JSON)] = [("access_token", .string(access.value)), ("expires_in", .int(Int(GoogleTokens.accessLifetime) - 1))]
        if offline == 1 {
            let refresh = try GoogleTokens.issue(db, refresh: true, userID: userID, clientID: app.clientID, scopes: scopes, now: now)
            members.append(("refresh_token", .string(refresh.value)))
        }
        members += [("scope", .string(scopesText)), ("token_type", .string("Bearer"))]
        return .object(members)
    }

    /// Refresh token → a new access token. Google keeps the refresh token (no rotation), so none is returned.
    private static func refresh(_ form: FormValues, _ db: Database, app: SandboxApp, now: Date) throws -> JSON {
        guard let value = form["refresh_token"], !value.isEmpty else {
            throw GoogleOAuthError(status: 400, error: "invalid_request", description: "Missing required parameter: refresh_token")
        }
        guard let token = try GoogleTokens.find(db, value: value), token.isRefresh, !token.revoked, token.clientID == app.clientID else {
            throw GoogleOAuthError.invalidGrant("Token has been expired or revoked.")
        }
        let access = try GoogleTokens.issue(db, refresh: false, userID: token.userID, clientID: app.clientID, scopes: token.scopes, now: now)
        return .object([("access_token", .string(access.value)), ("expires_in", .int(Int(GoogleTokens.accessLifetime) - 1)),
                        ("scope", .string(token.scopes.joined(separator: " "))), ("token_type", .string("Bearer"))])
    }

    /// `GET /google/oauth2/tokeninfo?access_token=…`: what Google says of a live access token.
    static func tokenInfo(_ request: Request, context: SandboxContext, app: SandboxApp, notes: inout RequestNotes) -> Response {
        let value = request.query["access_token"] ?? request.form["access_token"]
        do {
            let json: JSON? = try context.store.read { db in
                let now = try context.store.now(db)
                guard let token = try? GoogleTokens.usableAccess(db, value: value, clientID: app.clientID, now: now),
                      let expiresAt = token.expiresAt else { return nil }
                var members: [(String, JSON)] = [
                    ("azp", .string(app.clientID)), ("aud", .string(app.clientID)), ("sub", .string(token.userID)),
                    ("scope", .string(token.scopes.joined(separator: " "))), ("exp", .string(String(Int(expiresAt.timeIntervalSince1970)))),
                    ("expires_in", .string(String(max(0, Int(expiresAt.timeIntervalSince(now)))))),
                ]
                // Google names the account only to apps granted the `email` scope.
                if token.hasScope("email"),
                   let email = try String.fetchOne(db, sql: "SELECT email FROM google_users WHERE id = ?", arguments: [token.userID]) {
                    members += [("email", .string(email)), ("email_verified", .string("true"))]
                }
                members.append(("access_type", .string("offline")))
                return .object(members)
            }
            guard let json else {
                notes.errorCode = 400
                return GoogleOAuthError(status: 400, error: "invalid_token", description: "Invalid Value").response
            }
            return json.response()
        } catch {
            return Knob.storeFailure(error)
        }
    }
}
