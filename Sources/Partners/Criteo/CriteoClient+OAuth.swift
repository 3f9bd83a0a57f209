import Core
import Foundation

extension CriteoClient: PartnerConnector {
    /// Always `.criteo`.
    public var partner: PartnerID { .criteo }

    /// The consent URL of an authorization-code app: `response_type=code`, `client_id`, `redirect_uri`, `state`
    /// [I: partners.md §6.1; Criteo has no OAuth scopes, the person delegates advertiser permissions].
    public func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String {
        endpoints.authorizeURL + "?" + FormEncoding.encode([
            ("response_type", "code"), ("client_id", endpoints.clientID), ("redirect_uri", redirectURI), ("state", state),
        ])
    }

    /// Code → access token (900 s) and refresh token [I], credentials in the form body (partners.md §6.1).
    public func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken {
        let response = try rest.post(form: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("client_id", endpoints.clientID), ("client_secret", endpoints.clientSecret),
        ], to: endpoints.tokenURL)
        return try rest.tokenAnswer(response, now: now)
    }

    /// A new access token; a rotated refresh token replaces the old one, else the old one stays. A refused
    /// refresh token is ``PartnerError/authInvalid(message:)``.
    public func refresh(refreshToken: String, now: Date) throws(PartnerError) -> PartnerToken {
        let response = try rest.post(form: [
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
            ("client_id", endpoints.clientID), ("client_secret", endpoints.clientSecret),
        ], to: endpoints.tokenURL)
        return try rest.tokenAnswer(response, now: now, keepRefreshToken: refreshToken)
    }

    /// Criteo has no token introspection: a token works when `/advertisers/me` answers. A refused token is
    /// reported, not thrown.
    public func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth {
        do {
            _ = try advertisers(token: token)
            return TokenHealth(isValid: true, expiresAt: nil, problem: nil)
        } catch {
            guard case .authInvalid(let message) = error else { throw error }
            return TokenHealth(isValid: false, expiresAt: nil, problem: message)
        }
    }
}
