import Core
import Foundation

/// Graph's token answer.
struct GraphTokenAnswer: Decodable {
    let access_token: String
    let token_type: String?
    let expires_in: Double?
}

/// Graph's `debug_token` answer.
struct GraphDebugToken: Decodable {
    struct Body: Decodable {
        struct Problem: Decodable { let message: String? }
        let is_valid: Bool?
        let expires_at: Double?
        let type: String?
        let scopes: [String]?
        let error: Problem?
    }
    let data: Body
}

/// `/me`.
struct GraphMe: Decodable {
    let id: String
    let name: String?
}

extension FacebookClient {
    /// The Facebook Login dialog URL (partners.md §1.1): `client_id`, `redirect_uri`, `scope=ads_management`, `state`.
    /// Facebook Login takes no PKCE verifier.
    public func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String {
        endpoints.authorizeURL + "?" + FormEncoding.encode([
            ("client_id", endpoints.clientID), ("redirect_uri", redirectURI), ("scope", "ads_management"),
            ("response_type", "code"), ("state", state),
        ])
    }

    /// Exchanges an authorization code for a short-lived user token.
    public func exchangeCode(_ code: String, redirectURI: String, now: Date) throws(PartnerError) -> PartnerToken {
        let answer = try call("GET", "/oauth/access_token", query: [
            ("client_id", endpoints.clientID), ("redirect_uri", redirectURI), ("client_secret", endpoints.clientSecret), ("code", code),
        ], token: nil, as: GraphTokenAnswer.self)
        return PartnerToken(value: answer.access_token, expiresAt: answer.expires_in.map { now.addingTimeInterval($0) }, partnerUserName: nil)
    }

    /// Exchanges a short-lived token for a long-lived one (about 60 days; `fb_exchange_token`).
    public func exchangeForLongLived(_ token: String, now: Date) throws(PartnerError) -> PartnerToken {
        let answer = try call("GET", "/oauth/access_token", query: [
            ("grant_type", "fb_exchange_token"), ("client_id", endpoints.clientID), ("client_secret", endpoints.clientSecret),
            ("fb_exchange_token", token),
        ], token: nil, as: GraphTokenAnswer.self)
        return PartnerToken(value: answer.access_token, expiresAt: answer.expires_in.map { now.addingTimeInterval($0) }, partnerUserName: nil)
    }

    /// The user or system user a token acts as.
    public func me(token: String) throws(PartnerError) -> (id: String, name: String?) {
        let me = try call("GET", "/me", query: [("fields", "id,name")], token: token, as: GraphMe.self)
        return (me.id, me.name)
    }

    /// What Facebook says of a token (`debug_token` with the app token): validity, expiry, scopes.
    public func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth {
        let answer = try call("GET", "/debug_token", query: [
            ("input_token", token), ("access_token", endpoints.clientID + "|" + endpoints.clientSecret),
        ], token: nil, as: GraphDebugToken.self)
        let expiresAt = answer.data.expires_at.flatMap { $0 > 0 ? Date(timeIntervalSince1970: $0) : nil }
        guard answer.data.is_valid == true else {
            return TokenHealth(isValid: false, expiresAt: expiresAt, problem: answer.data.error?.message ?? "Facebook no longer accepts this token.")
        }
        guard (answer.data.scopes ?? []).contains("ads_management") else {
            return TokenHealth(isValid: false, expiresAt: expiresAt, problem: "The token lacks the ads_management permission.")
        }
        return TokenHealth(isValid: true, expiresAt: expiresAt, problem: nil)
    }
}

extension FacebookClient: PartnerConnector {
    /// Always `.facebook`.
    public var partner: PartnerID { .facebook }

    /// Code → short-lived token → long-lived token, then who it acts as.
    public func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken {
        let short = try exchangeCode(code, redirectURI: redirectURI, now: now)
        let long = try exchangeForLongLived(short.value, now: now)
        // The person may have unticked a permission on the dialog (RFC 9700 §2.3: check what was granted): without
        // ads_management no audience can be made, so the connection is refused now rather than failing every sync.
        let health = try inspect(token: long.value, now: now)
        guard health.isValid else {
            throw .permissionDenied(message: "Facebook did not grant the ads_management permission (\(health.problem ?? "the token is not valid")). "
                                    + "Connect again and keep \"Manage your ads\" ticked.")
        }
        let identity = try me(token: long.value)
        return PartnerToken(value: long.value, expiresAt: long.expiresAt, partnerUserName: identity.name ?? identity.id)
    }

    /// Business Manager system-user tokens may be pasted.
    public var acceptsPastedToken: Bool { true }

    /// A pasted system-user token must be valid, carry ads_management, and name its user.
    public func validatePastedToken(_ token: String, now: Date) throws(PartnerError) -> PartnerToken {
        let health = try inspect(token: token, now: now)
        guard health.isValid else { throw .authInvalid(message: "facebook: " + (health.problem ?? "invalid token")) }
        let identity = try me(token: token)
        return PartnerToken(value: token, expiresAt: health.expiresAt, partnerUserName: identity.name ?? identity.id)
    }

    /// The page where a person accepts the Custom Audience terms for an ad account.
    public func termsURL(accountExternalID: String) -> String? {
        let numeric = accountExternalID.hasPrefix("act_") ? String(accountExternalID.dropFirst(4)) : accountExternalID
        return endpoints.termsURL.replacingOccurrences(of: "{account}", with: FormEncoding.escape(numeric))
    }
}
