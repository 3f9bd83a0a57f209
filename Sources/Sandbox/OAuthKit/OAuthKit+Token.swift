import FastCGI
import Foundation
import GRDB

/// The token endpoint: `grant_type=authorization_code` (code single-use, ten minutes, bound to app and
/// redirect URI) and `grant_type=refresh_token`, with client authentication in the partner's style.
extension OAuthKit {
    /// A refusal of the token endpoint (RFC 6749 §5.2).
    struct TokenFailure: Error {
        let status: Int
        let error: String
        let description: String
    }

    /// `POST` to the token endpoint.
    func token(_ request: Request, context: SandboxContext, app: SandboxApp, notes: inout RequestNotes) -> Response {
        guard request.method == "POST" else {
            return settings.errorBody("invalid_request", "The token endpoint takes POST").response(status: 405)
        }
        let params = request.form
        do {
            let json: JSON = try context.store.write { db in
                let now = try context.store.now(db)
                try authenticateClient(request, params, app: app)
                switch params["grant_type"] {
                case "authorization_code": return try exchange(params, db, app: app, now: now)
                case "refresh_token": return try refresh(params, db, app: app, now: now)
                case nil: throw TokenFailure(status: 400, error: "invalid_request", description: "grant_type is required")
                case let other?: throw TokenFailure(status: 400, error: "unsupported_grant_type", description: "Unsupported grant_type \(other)")
                }
            }
            var response = json.response()
            response.headers.append(("Cache-Control", "no-store"))
            return response
        } catch let failure as TokenFailure {
            return settings.errorBody(failure.error, failure.description).response(status: failure.status)
        } catch {
            return Knob.storeFailure(error)
        }
    }

    private func authenticateClient(_ request: Request, _ params: FormValues, app: SandboxApp) throws {
        var id = params["client_id"], secret = params["client_secret"]
        let basic = Self.basicCredentials(request)
        switch settings.clientAuth {
        case .body: break
        case .basic: (id, secret) = (basic?.0, basic?.1)
        case .either: if let basic { (id, secret) = basic }
        }
        guard let id, let secret else {
            let how = settings.clientAuth == .basic ? "HTTP Basic authentication" : "client_id and client_secret"
            throw TokenFailure(status: 401, error: "invalid_client", description: "Client authentication failed: \(how) required")
        }
        guard id == app.clientID, FacebookTokens.constantTimeEquals(secret, app.clientSecret) else {
            throw TokenFailure(status: 401, error: "invalid_client", description: "Client authentication failed")
        }
    }

    /// `Authorization: Basic base64(id:secret)`.
    static func basicCredentials(_ request: Request) -> (String, String)? {
        guard let header = request.header("authorization") else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic", let data = Data(base64Encoded: String(parts[1])),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    private func exchange(_ params: FormValues, _ db: Database, app: SandboxApp, now: Date) throws -> JSON {
        guard let code = params["code"], !code.isEmpty else { throw TokenFailure(status: 400, error: "invalid_request", description: "code is required") }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM \(settings.prefix)_codes WHERE code = ? AND client_id = ?", arguments: [code, app.clientID])
        else { throw TokenFailure(status: 400, error: "invalid_grant", description: "Invalid authorization code") }
        let used: Double? = row["used_at"]
        if used != nil { throw TokenFailure(status: 400, error: "invalid_grant", description: "Authorization code already used") }
        if now.timeIntervalSince1970 >= (row["expires_at"] as Double) {
            throw TokenFailure(status: 400, error: "invalid_grant", description: "Authorization code expired")
        }
        guard params["redirect_uri"] == (row["redirect_uri"] as String) else {
            throw TokenFailure(status: 400, error: "invalid_grant", description: "redirect_uri does not match the authorization request")
        }
        try db.execute(sql: "UPDATE \(settings.prefix)_codes SET used_at = ? WHERE code = ?", arguments: [now.timeIntervalSince1970, code])
        return try issue(db, scopes: row["scopes"], app: app, now: now, refresh: nil)
    }

    private func refresh(_ params: FormValues, _ db: Database, app: SandboxApp, now: Date) throws -> JSON {
        guard let value = params["refresh_token"], !value.isEmpty else {
            throw TokenFailure(status: 400, error: "invalid_request", description: "refresh_token is required")
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM \(settings.prefix)_tokens WHERE value = ? AND kind = 'refresh' AND client_id = ?",
                                         arguments: [value, app.clientID]), (row["revoked"] as Int) == 0 else {
            throw TokenFailure(status: 400, error: "invalid_grant", description: "Invalid refresh token")
        }
        let expires: Double? = row["expires_at"]
        if let expires, expires <= now.timeIntervalSince1970 {
            throw TokenFailure(status: 400, error: "invalid_grant", description: "Refresh token expired")
        }
        if settings.rotatesRefreshToken {
            try db.execute(sql: "UPDATE \(settings.prefix)_tokens SET revoked = 1 WHERE value = ?", arguments: [value])
            return try issue(db, scopes: row["scopes"], app: app, now: now, refresh: nil)
        }
        return try issue(db, scopes: row["scopes"], app: app, now: now, refresh: (value, expires.map(Date.init(timeIntervalSince1970:))))
    }

    /// A new access token, plus a new refresh token unless `refresh` (kept value and expiry) is given.
    private func issue(_ db: Database, scopes: String, app: SandboxApp, now: Date, refresh: (String, Date?)?) throws -> JSON {
        let access = settings.tokenPrefix + Self.random(64)
        try insertToken(db, access, kind: "access", scopes: scopes, app: app, now: now, expires: now.addingTimeInterval(settings.accessLifetime))
        let refreshValue: String, refreshExpires: Date?
        if let refresh {
            (refreshValue, refreshExpires) = refresh
        } else {
            refreshValue = settings.prefix + "-refresh-" + Self.random(48)
            refreshExpires = settings.refreshLifetime.map { now.addingTimeInterval($0) }
            try insertToken(db, refreshValue, kind: "refresh", scopes: scopes, app: app, now: now, expires: refreshExpires)
        }
        var members: [(String, JSON)] = [
            ("access_token", .string(access)), ("token_type", .string("Bearer")), ("expires_in", .int(Int(settings.accessLifetime))),
            ("refresh_token", .string(refreshValue)), ("scope", .string(scopes)),
        ]
        members += settings.extraAnswer(refreshExpires, now)
        return .object(members)
    }

    private func insertToken(_ db: Database, _ value: String, kind: String, scopes: String, app: SandboxApp, now: Date, expires: Date?) throws {
        try db.execute(sql: """
            INSERT INTO \(settings.prefix)_tokens (value, kind, client_id, scopes, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [value, kind, app.clientID, scopes, now.timeIntervalSince1970, expires?.timeIntervalSince1970])
    }
}
