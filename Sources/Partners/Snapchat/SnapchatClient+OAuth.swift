import Core
import Foundation

/// `GET /me`.
struct SnapMeAnswer: SnapEnvelope {
    struct Me: Decodable {
        let id: String
        let display_name: String?
        let email: String?
    }
    let request_status: String?
    let me: Me?
}

extension SnapchatClient: PartnerConnector {
    /// Always `.snapchat`.
    public var partner: PartnerID { .snapchat }

    /// Snap's consent URL (partners.md §5.1): `response_type=code`, `client_id`, `redirect_uri`,
    /// `scope=snapchat-marketing-api`, `state`. Snap takes no PKCE verifier.
    public func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String {
        endpoints.authorizeURL + "?" + FormEncoding.encode([
            ("response_type", "code"), ("client_id", endpoints.clientID), ("redirect_uri", redirectURI),
            ("scope", "snapchat-marketing-api"), ("state", state),
        ])
    }

    /// Code → access token (about 30 minutes, `expires_in`) and refresh token, then who it acts as.
    public func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken {
        let response = try rest.post(form: [
            ("grant_type", "authorization_code"), ("code", code), ("client_id", endpoints.clientID),
            ("client_secret", endpoints.clientSecret), ("redirect_uri", redirectURI),
        ], to: endpoints.tokenURL)
        let token = try rest.tokenAnswer(response, now: now)
        let me = try me(token: token.value)
        return PartnerToken(value: token.value, expiresAt: token.expiresAt, partnerUserName: me.display_name ?? me.email ?? me.id,
                            refreshToken: token.refreshToken, refreshExpiresAt: token.refreshExpiresAt)
    }

    /// A new access token. Snap may rotate the refresh token: a new one in the answer replaces the old, else
    /// the old one stays. A refused refresh token (`invalid_grant`) is ``PartnerError/authInvalid(message:)``.
    public func refresh(refreshToken: String, now: Date) throws(PartnerError) -> PartnerToken {
        let response = try rest.post(form: [
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", endpoints.clientID),
            ("client_secret", endpoints.clientSecret),
        ], to: endpoints.tokenURL)
        return try rest.tokenAnswer(response, now: now, keepRefreshToken: refreshToken)
    }

    /// The person a token acts as (`GET /me`).
    func me(token: String) throws(PartnerError) -> SnapMeAnswer.Me {
        let answer = try call("GET", "/me", token: token, as: SnapMeAnswer.self)
        guard let me = answer.me else { throw .transient(message: "snapchat: /me answered without a user") }
        return me
    }

    /// Snap has no token introspection: a token works when `/me` answers. A refused token is reported, not thrown.
    public func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth {
        do {
            _ = try me(token: token)
            return TokenHealth(isValid: true, expiresAt: nil, problem: nil)
        } catch {
            guard case .authInvalid(let message) = error else { throw error }
            return TokenHealth(isValid: false, expiresAt: nil, problem: message)
        }
    }
}
