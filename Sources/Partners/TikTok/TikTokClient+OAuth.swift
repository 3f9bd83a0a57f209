import Core
import Foundation

/// The code exchange's `data`.
struct TikTokTokenAnswer: Decodable {
    let access_token: String
    let advertiser_ids: [String]?
}

/// `user/info/`'s `data`.
struct TikTokUserInfo: Decodable {
    let display_name: String?
    let email: String?
    let core_user_id: String?
}

extension TikTokClient {
    /// The business portal's authorization URL (partners.md §2.1): `app_id`, `state`, `redirect_uri`. Permissions
    /// are set on the developer app, not in the URL; TikTok takes no PKCE verifier.
    public func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String {
        endpoints.authorizeURL + "?" + FormEncoding.encode([("app_id", endpoints.clientID), ("state", state), ("redirect_uri", redirectURI)])
    }

    /// Exchanges an `auth_code` for a long-term token: `POST /oauth2/access_token/` with a JSON body.
    public func exchangeCode(_ code: String) throws(PartnerError) -> String {
        let url = endpoints.tokenURL.isEmpty ? endpoints.apiBaseURL + "/oauth2/access_token/" : endpoints.tokenURL
        let answer = try call("POST", "/oauth2/access_token/", url: url, token: nil,
                              json: ["app_id": endpoints.clientID, "secret": endpoints.clientSecret, "auth_code": code],
                              context: .token, as: TikTokTokenAnswer.self)
        return answer.access_token
    }

    /// Who the token acts as (`GET /user/info/`, which seg also uses to test a token).
    public func userInfo(token: String) throws(PartnerError) -> (id: String?, name: String?) {
        let info = try call("GET", "/user/info/", token: token, context: .token, as: TikTokUserInfo.self)
        return (info.core_user_id, info.display_name ?? info.email)
    }
}

extension TikTokClient: PartnerConnector {
    /// Always `.tiktok`.
    public var partner: PartnerID { .tiktok }

    /// auth_code → long-term token (no expiry, no refresh token: partners.md §2.1), then who it acts as.
    public func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken {
        let token = try exchangeCode(code)
        let user = try userInfo(token: token)
        return PartnerToken(value: token, expiresAt: nil, partnerUserName: user.name ?? user.id)
    }

    /// Long-term tokens generated in the developer portal may be pasted.
    public var acceptsPastedToken: Bool { true }

    /// A pasted token must work for `user/info/`; TikTok's tokens do not expire on a timer.
    public func validatePastedToken(_ token: String, now: Date) throws(PartnerError) -> PartnerToken {
        let user = try userInfo(token: token)
        return PartnerToken(value: token, expiresAt: nil, partnerUserName: user.name ?? user.id)
    }

    /// A token is healthy when `user/info/` accepts it; token errors are reported as a problem, others thrown.
    public func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth {
        switch Result(catching: { () throws(PartnerError) in try userInfo(token: token) }) {
        case .success:
            return TokenHealth(isValid: true, expiresAt: nil, problem: nil)
        case .failure(.authInvalid(let message)):
            return TokenHealth(isValid: false, expiresAt: nil, problem: message)
        case .failure(let error):
            throw error
        }
    }
}
