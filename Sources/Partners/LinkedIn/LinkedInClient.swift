import Core
import Foundation
import HTTPClient

/// The LinkedIn Marketing API client (partners.md §7): 3-legged OAuth with refresh tokens, sponsored ad accounts,
/// DMP segments and their users.
///
/// Every REST call carries `Authorization: Bearer`, `LinkedIn-Version: YYYYMM` (from `endpoints.extra["version"]`)
/// and `X-Restli-Protocol-Version: 2.0.0`; the token never appears in a URL, a log line or an error message.
public struct LinkedInClient: Sendable {
    let endpoints: PartnerEndpoints
    let http: HTTPClient

    /// The `LinkedIn-Version` sent when the installation sets none (partners.md §7: seg uses 202604).
    public static let defaultVersion = "202604"

    /// Creates a client for the REST API at `endpoints.apiBaseURL` (`…/rest`).
    public init(endpoints: PartnerEndpoints, http: HTTPClient) {
        self.endpoints = endpoints
        self.http = http
    }

    /// The API version header value.
    var version: String {
        let configured = endpoints.extra["version"] ?? ""
        return configured.isEmpty ? Self.defaultVersion : configured
    }

    /// `urn:li:sponsoredAccount:<id>` for a numeric id (or the URN itself when given one).
    public static func accountURN(_ id: String) -> String {
        id.hasPrefix("urn:li:sponsoredAccount:") ? id : "urn:li:sponsoredAccount:" + id
    }

    /// The numeric id at the end of a URN (`urn:li:sponsoredAccount:508000001` → `508000001`).
    static func lastComponent(ofURN urn: String) -> String {
        urn.split(separator: ":").last.map(String.init) ?? urn
    }

    /// Sends a REST call and decodes the answer, or throws the classified error.
    func call<T: Decodable>(_ method: String, _ path: String, query: [(String, String)] = [], token: String,
                            json: [UInt8]? = nil, restliMethod: String? = nil, context: LinkedInErrorContext = .other,
                            as type: T.Type) throws(PartnerError) -> T {
        let response = try send(method, path, query: query, token: token, json: json, restliMethod: restliMethod, context: context)
        return try Self.decode(T.self, response.body, what: path.restPathShape)
    }

    /// Sends a REST call and returns the successful response, or throws the classified error.
    func send(_ method: String, _ path: String, query: [(String, String)] = [], token: String, json: [UInt8]? = nil,
              restliMethod: String? = nil, context: LinkedInErrorContext) throws(PartnerError) -> HTTPResponse {
        var headers: [(name: String, value: String)] = [
            ("Accept", "application/json"), ("Authorization", "Bearer " + token), ("LinkedIn-Version", version),
            ("X-Restli-Protocol-Version", "2.0.0"),
        ]
        if let restliMethod { headers.append(("X-RestLi-Method", restliMethod)) }
        if json != nil { headers.append(("Content-Type", "application/json")) }
        let url = endpoints.apiBaseURL + path + (query.isEmpty ? "" : "?" + LinkedInForm.encode(query))
        let response = try transport(HTTPRequest(method: method, url: url, headers: headers, body: json))
        if (200..<300).contains(response.status) { return response }
        throw LinkedInErrors.classify(status: response.status, body: response.body, headers: response.headers, context: context)
    }

    /// One HTTP exchange; a network failure is transient.
    func transport(_ request: HTTPRequest) throws(PartnerError) -> HTTPResponse {
        do {
            return try http.send(request)
        } catch {
            throw .transient(message: "linkedin: \(error)")
        }
    }

    /// Decodes a successful answer; LinkedIn answering something unreadable is worth a retry, never a crash.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], what: String) throws(PartnerError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw .transient(message: "linkedin: unreadable answer from \(what)")
        }
    }
}

/// URL-encoding for query strings and form bodies. Rest.li 2.0 wants URNs in query values percent-encoded
/// (`urn%3Ali%3AsponsoredAccount%3A1`), which escaping everything but unreserved characters does.
enum LinkedInForm {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

extension String {
    /// The path with ids masked, for messages (`/dmpSegments/123/users` → `/dmpSegments/…/users`).
    var restPathShape: String {
        "/" + split(separator: "/").map { $0.allSatisfy(\.isNumber) ? "…" : String($0) }.joined(separator: "/")
    }
}
