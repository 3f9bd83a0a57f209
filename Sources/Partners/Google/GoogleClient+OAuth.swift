import Core
import Crypto
import Foundation
import HTTPClient

/// The token endpoint's answer (partners.md §3.1).
struct GoogleTokenAnswer: Decodable {
    let access_token: String
    let expires_in: Double?
    let refresh_token: String?
    let scope: String?
}

/// `tokeninfo`'s answer.
struct GoogleTokenInfo: Decodable {
    let scope: String?
    let expires_in: String?
    let email: String?
}

extension GoogleClient {
    /// The scopes the work needs: `adwords` for customers and user lists, `datamanager` for members (§3b.1: an
    /// `adwords`-only token gets 403 from Data Manager).
    public static let requiredScopes = ["https://www.googleapis.com/auth/adwords", "https://www.googleapis.com/auth/datamanager"]
    /// What the consent page asks for: the required scopes and `email`, so the connection can name the Google Account.
    public static let scopes = requiredScopes + ["email"]

    /// RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding.
    public static func codeChallenge(_ verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Google's consent URL: `access_type=offline` for a refresh token, `prompt=consent` so a reconnect gets a new one too,
    /// and the verifier's S256 challenge.
    public func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String {
        var query = [("client_id", endpoints.clientID), ("redirect_uri", redirectURI), ("response_type", "code"),
                     ("scope", Self.scopes.joined(separator: " ")), ("access_type", "offline"), ("prompt", "consent"),
                     ("include_granted_scopes", "true"), ("state", state)]
        if !codeVerifier.isEmpty { query += [("code_challenge", Self.codeChallenge(codeVerifier)), ("code_challenge_method", "S256")] }
        return endpoints.authorizeURL + "?" + FormEncoding.encode(query)
    }

    /// One form POST to the token endpoint; a refused grant (`invalid_grant`, `invalid_client`, …) is `.authInvalid`.
    func tokenRequest(_ form: [(String, String)], now: Date) throws(PartnerError) -> GoogleTokenAnswer {
        let request = HTTPRequest(method: "POST", url: endpoints.tokenURL,
                                  headers: [("Accept", "application/json"), ("Content-Type", "application/x-www-form-urlencoded")],
                                  body: Array(FormEncoding.encode(form).utf8))
        let response = try perform(request, path: "/token", context: .token)
        do {
            return try JSONDecoder().decode(GoogleTokenAnswer.self, from: Data(response.body))
        } catch {
            throw .transient(message: "google: unreadable answer from the token endpoint")
        }
    }
}

extension GoogleClient: PartnerConnector {
    /// Always `.google`.
    public var partner: PartnerID { .google }

    /// Code (+ PKCE verifier) → access token (an hour) and refresh token.
    public func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                    ("client_id", endpoints.clientID), ("client_secret", endpoints.clientSecret)]
        if !codeVerifier.isEmpty { form.append(("code_verifier", codeVerifier)) }
        let answer = try tokenRequest(form, now: now)
        // Who signed in, for the partner page; not worth failing the connection over.
        let email = try? tokenInfo(answer.access_token).email
        return PartnerToken(value: answer.access_token, expiresAt: answer.expires_in.map { now.addingTimeInterval($0) }, partnerUserName: email,
                            refreshToken: answer.refresh_token)
    }

    /// A new access token. Google keeps the refresh token (no rotation, §3.1) and usually sends none back, so the one
    /// given is returned unless Google sent a new one [I].
    public func refresh(refreshToken: String, now: Date) throws(PartnerError) -> PartnerToken {
        let answer = try tokenRequest([("grant_type", "refresh_token"), ("refresh_token", refreshToken),
                                       ("client_id", endpoints.clientID), ("client_secret", endpoints.clientSecret)], now: now)
        return PartnerToken(value: answer.access_token, expiresAt: answer.expires_in.map { now.addingTimeInterval($0) }, partnerUserName: nil,
                            refreshToken: answer.refresh_token ?? refreshToken)
    }

    /// `tokeninfo` next to the token endpoint (`…/oauth2/tokeninfo`, as `oauth2.googleapis.com/tokeninfo` is).
    func tokenInfo(_ token: String) throws(PartnerError) -> GoogleTokenInfo {
        var base = endpoints.tokenURL
        if let slash = base.lastIndex(of: "/") { base = String(base[..<slash]) }
        let request = HTTPRequest(method: "POST", url: base + "/tokeninfo",
                                  headers: [("Accept", "application/json"), ("Content-Type", "application/x-www-form-urlencoded")],
                                  body: Array(FormEncoding.encode([("access_token", token)]).utf8))
        let response = try perform(request, path: "/tokeninfo", context: .token)
        do {
            return try JSONDecoder().decode(GoogleTokenInfo.self, from: Data(response.body))
        } catch {
            throw .transient(message: "google: unreadable answer from tokeninfo")
        }
    }

    /// Valid when `tokeninfo` knows the token and it carries both required scopes.
    public func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth {
        let info: GoogleTokenInfo
        do {
            info = try tokenInfo(token)
        } catch {
            if case .authInvalid = error { return TokenHealth(isValid: false, expiresAt: nil, problem: "Google no longer accepts this sign-in.") }
            throw error
        }
        let expiresAt = info.expires_in.flatMap(Double.init).map { now.addingTimeInterval($0) }
        let granted = Set((info.scope ?? "").split(separator: " ").map(String.init))
        guard Self.requiredScopes.allSatisfy(granted.contains) else {
            return TokenHealth(isValid: false, expiresAt: expiresAt, problem: "The sign-in lacks the Google Ads or Data Manager permission.")
        }
        return TokenHealth(isValid: true, expiresAt: expiresAt, problem: nil)
    }
}
