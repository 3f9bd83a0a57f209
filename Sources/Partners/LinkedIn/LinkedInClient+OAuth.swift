import Core
import Foundation
import HTTPClient

/// The token endpoint's answer (partners.md §7.1).
struct LinkedInTokenAnswer: Decodable {
    let access_token: String
    let expires_in: Double?
    let refresh_token: String?
    let refresh_token_expires_in: Double?
    let scope: String?
}

/// `POST /oauth/v2/introspectToken`'s answer.
struct LinkedInIntrospection: Decodable {
    let active: Bool
    let status: String?
    let expires_at: Double?
    let scope: String?
}

/// `GET /me` (r_basicprofile).
struct LinkedInMe: Decodable {
    let id: String
    let localizedFirstName: String?
    let localizedLastName: String?

    var displayName: String {
        let name = [localizedFirstName, localizedLastName].compactMap { $0 }.joined(separator: " ")
        return name.isEmpty ? id : name
    }
}

extension LinkedInClient {
    /// Scopes asked for: the member's name (`/me`), the ad accounts and their roles, and DMP segments.
    public static let scopes = ["r_basicprofile", "r_ads", "rw_dmp_segments"]

    /// The consent URL (`response_type=code`, space-separated scopes, `state`). LinkedIn takes no PKCE verifier.
    public func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String {
        endpoints.authorizeURL + "?" + LinkedInForm.encode([
            ("response_type", "code"), ("client_id", endpoints.clientID), ("redirect_uri", redirectURI), ("state", state),
            ("scope", Self.scopes.joined(separator: " ")),
        ])
    }

    /// Exchanges an authorization code for an access token (60 days) and a refresh token (a year, fixed).
    public func exchangeCode(_ code: String, redirectURI: String, now: Date) throws(PartnerError) -> PartnerToken {
        let answer = try tokenCall([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("client_id", endpoints.clientID), ("client_secret", endpoints.clientSecret),
        ])
        return token(from: answer, now: now, previousRefreshToken: nil)
    }

    /// The member a token acts as.
    func me(token: String) throws(PartnerError) -> LinkedInMe {
        try call("GET", "/me", token: token, as: LinkedInMe.self)
    }

    /// `POST` to the token endpoint with a form; errors in the OAuth envelope.
    func tokenCall(_ form: [(String, String)]) throws(PartnerError) -> LinkedInTokenAnswer {
        let response = try postForm(endpoints.tokenURL, form)
        return try Self.decode(LinkedInTokenAnswer.self, response.body, what: "the token endpoint")
    }

    /// A form `POST` to one of the OAuth endpoints, classified with the OAuth envelope.
    func postForm(_ url: String, _ form: [(String, String)]) throws(PartnerError) -> HTTPResponse {
        let response = try transport(HTTPRequest(
            method: "POST", url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(LinkedInForm.encode(form).utf8)))
        guard (200..<300).contains(response.status) else {
            throw LinkedInErrors.classifyOAuth(status: response.status, body: response.body, headers: response.headers)
        }
        return response
    }

    func token(from answer: LinkedInTokenAnswer, now: Date, previousRefreshToken: String?) -> PartnerToken {
        PartnerToken(value: answer.access_token, expiresAt: answer.expires_in.map { now.addingTimeInterval($0) }, partnerUserName: nil,
                     refreshToken: answer.refresh_token ?? previousRefreshToken,
                     refreshExpiresAt: answer.refresh_token_expires_in.map { now.addingTimeInterval($0) })
    }

    /// The introspection endpoint beside the token endpoint (`…/oauth/v2/introspectToken`).
    var introspectURL: String {
        var base = endpoints.tokenURL
        if let slash = base.lastIndex(of: "/") { base = String(base[..<slash]) }
        return base + "/introspectToken"
    }
}

extension LinkedInClient: PartnerConnector {
    /// Always `.linkedin`.
    public var partner: PartnerID { .linkedin }

    /// Code → tokens, then the member's name.
    public func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken {
        let granted = try exchangeCode(code, redirectURI: redirectURI, now: now)
        let member = try me(token: granted.value)
        return PartnerToken(value: granted.value, expiresAt: granted.expiresAt, partnerUserName: member.displayName,
                            refreshToken: granted.refreshToken, refreshExpiresAt: granted.refreshExpiresAt)
    }

    /// `grant_type=refresh_token`. LinkedIn keeps the refresh token's one-year end fixed (partners.md §7.1); an
    /// answer without a refresh token keeps the old one. `invalid_grant` is ``PartnerError/authInvalid(message:)``.
    public func refresh(refreshToken: String, now: Date) throws(PartnerError) -> PartnerToken {
        let answer = try tokenCall([
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
            ("client_id", endpoints.clientID), ("client_secret", endpoints.clientSecret),
        ])
        return token(from: answer, now: now, previousRefreshToken: refreshToken)
    }

    /// What LinkedIn's token introspection says: active, expiry, and whether `rw_dmp_segments` was granted.
    public func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth {
        let response = try postForm(introspectURL, [
            ("client_id", endpoints.clientID), ("client_secret", endpoints.clientSecret), ("token", token),
        ])
        let answer = try Self.decode(LinkedInIntrospection.self, response.body, what: "token introspection")
        let expiresAt = answer.expires_at.map { Date(timeIntervalSince1970: $0) }
        guard answer.active else {
            return TokenHealth(isValid: false, expiresAt: expiresAt, problem: "LinkedIn reports the token \(answer.status ?? "inactive").")
        }
        let scopes = (answer.scope ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        guard scopes.contains("rw_dmp_segments") else {
            return TokenHealth(isValid: false, expiresAt: expiresAt, problem: "The token lacks the rw_dmp_segments permission.")
        }
        return TokenHealth(isValid: true, expiresAt: expiresAt, problem: nil)
    }
}
