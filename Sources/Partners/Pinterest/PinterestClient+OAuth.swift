import Core
import Foundation

/// `GET /user_account`.
struct PinterestUserAccount: Decodable {
    let username: String?
    let business_name: String?
    let account_type: String?
}

extension PinterestClient: PartnerConnector {
    /// Always `.pinterest`.
    public var partner: PartnerID { .pinterest }

    /// The scopes asked for: audiences need `ads:read` and `ads:write` (partners.md §4.1); `user_accounts:read`
    /// names the person who connected.
    static let scopes = "ads:read,ads:write,user_accounts:read"

    /// Pinterest's consent URL (partners.md §4.1): `client_id`, `redirect_uri`, `response_type=code`,
    /// comma-separated `scope` [I], `state`. No PKCE.
    public func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String {
        endpoints.authorizeURL + "?" + FormEncoding.encode([
            ("client_id", endpoints.clientID), ("redirect_uri", redirectURI), ("response_type", "code"),
            ("scope", Self.scopes), ("state", state),
        ])
    }

    /// `Authorization: Basic base64(client_id:client_secret)`: Pinterest's token endpoint takes no other client auth.
    var basicAuth: (name: String, value: String) {
        ("Authorization", "Basic " + Data("\(endpoints.clientID):\(endpoints.clientSecret)".utf8).base64EncodedString())
    }

    /// Code → access token and continuous refresh token (60 days, refreshable indefinitely), then the username.
    /// `continuous_refresh=true` is sent because apps created before 2025-09-25 must send it (partners.md §4.1).
    public func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken {
        let response = try rest.post(form: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("continuous_refresh", "true"),
        ], to: endpoints.tokenURL, headers: [basicAuth])
        let token = try rest.tokenAnswer(response, now: now)
        let user = try userAccount(token: token.value)
        return PartnerToken(value: token.value, expiresAt: token.expiresAt, partnerUserName: user.business_name ?? user.username,
                            refreshToken: token.refreshToken, refreshExpiresAt: token.refreshExpiresAt)
    }

    /// A new access token and, with continuous refresh, a new refresh token (the old one is kept if none comes).
    /// A refused refresh token (`invalid_grant`, or any 400/401) is ``PartnerError/authInvalid(message:)``.
    public func refresh(refreshToken: String, now: Date) throws(PartnerError) -> PartnerToken {
        let response = try rest.post(form: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
                                     to: endpoints.tokenURL, headers: [basicAuth])
        return try rest.tokenAnswer(response, now: now, keepRefreshToken: refreshToken)
    }

    /// The account a token acts as.
    func userAccount(token: String) throws(PartnerError) -> PinterestUserAccount {
        try call("GET", "/user_account", token: token, as: PinterestUserAccount.self)
    }

    /// Pinterest has no token introspection: a token works when `/user_account` answers. A refused token is
    /// reported, not thrown.
    public func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth {
        do {
            _ = try userAccount(token: token)
            return TokenHealth(isValid: true, expiresAt: nil, problem: nil)
        } catch {
            guard case .authInvalid(let message) = error else { throw error }
            return TokenHealth(isValid: false, expiresAt: nil, problem: message)
        }
    }
}
