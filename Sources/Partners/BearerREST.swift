import Core
import Foundation
import HTTPClient

/// The plumbing the Snapchat, Criteo and Pinterest clients share: JSON (or form) calls with a bearer token
/// under one base URL, the OAuth token endpoint's answers, and answer decoding. Error classification stays in
/// each partner's own `…Errors`, because their envelopes differ.
///
/// The token only ever travels in the `Authorization` header, never in a URL or a message.
struct BearerREST: Sendable {
    /// The partner's name, prefixed to every message (`snapchat: …`).
    let partner: String
    /// The API base URL; every path is appended to it and nothing else is ever called with the token.
    let baseURL: String
    let http: HTTPClient
    /// Headers every API call carries besides `Authorization` (none of these three partners needs one today).
    var fixedHeaders: [(name: String, value: String)] = []

    /// A body to send.
    enum Body {
        case json(Any)
        case form([(String, String)])
    }

    /// Sends a call under `baseURL` and returns the answer whatever its status; a network failure is
    /// ``PartnerError/transient(message:)``.
    func send(_ method: String, _ path: String, query: [(String, String)] = [], token: String?, body: Body? = nil,
              headers extra: [(name: String, value: String)] = []) throws(PartnerError) -> HTTPResponse {
        let url = baseURL + path + (query.isEmpty ? "" : "?" + FormEncoding.encode(query))
        var headers: [(name: String, value: String)] = [("Accept", "application/json")] + fixedHeaders + extra
        if let token { headers.append(("Authorization", "Bearer " + token)) }
        return try perform(method, url: url, headers: headers, body: body)
    }

    /// Sends a form to an absolute URL (the OAuth token endpoint), whatever its status.
    func post(form: [(String, String)], to url: String, headers extra: [(name: String, value: String)] = []) throws(PartnerError) -> HTTPResponse {
        try perform("POST", url: url, headers: [("Accept", "application/json")] + extra, body: .form(form))
    }

    private func perform(_ method: String, url: String, headers: [(name: String, value: String)], body: Body?) throws(PartnerError) -> HTTPResponse {
        var headers = headers
        var bytes: [UInt8]?
        switch body {
        case .json(let object)?:
            headers.append(("Content-Type", "application/json"))
            guard let data = try? JSONSerialization.data(withJSONObject: object) else {
                throw .permanent(message: "\(partner): could not encode the request")
            }
            bytes = Array(data)
        case .form(let pairs)?:
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            bytes = Array(FormEncoding.encode(pairs).utf8)
        case nil:
            break
        }
        do {
            return try http.send(HTTPRequest(method: method, url: url, headers: headers, body: bytes))
        } catch {
            throw .transient(message: "\(partner): \(error)")
        }
    }

    /// Decodes a successful answer; an unreadable one is transient (a proxy page, a truncated body).
    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, what: String) throws(PartnerError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw .transient(message: "\(partner): unreadable answer to \(what)")
        }
    }

    /// The seconds of a `Retry-After` header given in seconds.
    static func retryAfter(_ headers: [(name: String, value: String)]) -> Double? {
        headers.first { $0.name.lowercased() == "retry-after" }.flatMap { Double($0.value.trimmingCharacters(in: .whitespaces)) }
    }

    /// A header's value, by case-insensitive name.
    static func header(_ name: String, in headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    // MARK: OAuth 2.0 token endpoint (RFC 6749 §5)

    /// A token endpoint's success answer; the refresh-token fields are each partner's optional extras.
    struct TokenAnswer: Decodable {
        let access_token: String
        let token_type: String?
        let expires_in: Double?
        let refresh_token: String?
        let refresh_token_expires_in: Double?
        let refresh_token_expires_at: Double?
        let scope: String?
    }

    /// A token endpoint's error answer (`{"error":"invalid_grant","error_description":"…"}`).
    struct TokenError: Decodable {
        let error: String?
        let error_description: String?
    }

    /// Reads a token endpoint's answer: a token, or the classified refusal. A refused grant (`invalid_grant`,
    /// or any 400/401 naming the grant or the token) is ``PartnerError/authInvalid(message:)``, because only a
    /// person reconnecting can fix it; a refused client (`invalid_client`) is a configuration problem.
    func tokenAnswer(_ response: HTTPResponse, now: Date, keepRefreshToken: String? = nil) throws(PartnerError) -> PartnerToken {
        guard (200..<300).contains(response.status) else { throw tokenRefusal(response) }
        let answer = try decode(TokenAnswer.self, response, what: "the token request")
        let refreshExpiry: Date? = answer.refresh_token_expires_at.map { Date(timeIntervalSince1970: $0) }
            ?? answer.refresh_token_expires_in.map { now.addingTimeInterval($0) }
        return PartnerToken(value: answer.access_token, expiresAt: answer.expires_in.map { now.addingTimeInterval($0) }, partnerUserName: nil,
                            refreshToken: answer.refresh_token ?? keepRefreshToken, refreshExpiresAt: refreshExpiry)
    }

    private func tokenRefusal(_ response: HTTPResponse) -> PartnerError {
        if response.status == 429 { return .throttled(retryAfter: Self.retryAfter(response.headers), message: "\(partner): token endpoint throttled") }
        if response.status >= 500 { return .transient(message: "\(partner): token endpoint answered HTTP \(response.status)") }
        let error = try? JSONDecoder().decode(TokenError.self, from: Data(response.body))
        let code = error?.error ?? "HTTP \(response.status)"
        let message = "\(partner): token refused: \(code)" + (error?.error_description.map { " (\($0))" } ?? "")
        switch code {
        case "invalid_client", "unauthorized_client", "unsupported_grant_type", "invalid_scope": return .permanent(message: message)
        default: return .authInvalid(message: message)
        }
    }
}
