import Core
import Crypto
import Foundation
import HTTPClient

/// The Facebook Graph API client (partners.md §1): OAuth, ad accounts, custom audiences, user uploads.
///
/// The token travels in the `Authorization` header, never in a URL, so no log line or error can carry it;
/// every call made with a token also carries `appsecret_proof` (HMAC-SHA256 of the token under the app secret).
public struct FacebookClient: Sendable {
    let endpoints: PartnerEndpoints
    let http: HTTPClient

    /// Creates a client for the Graph API at `endpoints.apiBaseURL`.
    public init(endpoints: PartnerEndpoints, http: HTTPClient) {
        self.endpoints = endpoints
        self.http = http
    }

    /// `appsecret_proof` for `token`: lower-hex HMAC-SHA256 keyed with the app secret.
    public func appSecretProof(for token: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(token.utf8), using: SymmetricKey(data: Array(endpoints.clientSecret.utf8)))
        return Hex.encode(Array(mac))
    }

    /// Sends a Graph call and decodes the answer, or throws the classified error.
    /// - Parameters:
    ///   - path: the path after the version, e.g. `/me/adaccounts`.
    ///   - token: the access token, or nil for app-level calls (`/oauth/access_token`).
    ///   - context: what the path names, so "object does not exist" maps to the right class.
    func call<T: Decodable>(_ method: String = "GET", _ path: String, query: [(String, String)] = [], token: String?,
                            form: [(String, String)]? = nil, json: [UInt8]? = nil, context: FacebookErrorContext = .other,
                            as type: T.Type) throws(PartnerError) -> T {
        let response = try send(method, path, query: query, token: token, form: form, json: json, context: context)
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw .transient(message: "facebook: unreadable answer from \(path.graphPathShape)")
        }
    }

    /// Sends a Graph call and returns the raw successful response, or throws the classified error.
    func send(_ method: String, _ path: String, query: [(String, String)], token: String?, form: [(String, String)]?,
              json: [UInt8]?, context: FacebookErrorContext) throws(PartnerError) -> HTTPResponse {
        var items = query
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token {
            items.append(("appsecret_proof", appSecretProof(for: token)))
            headers.append(("Authorization", "Bearer " + token))
        }
        var body: [UInt8]?
        if let form {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(FormEncoding.encode(form).utf8)
        } else if let json {
            headers.append(("Content-Type", "application/json"))
            body = json
        }
        let url = endpoints.apiBaseURL + path + (items.isEmpty ? "" : "?" + FormEncoding.encode(items))
        let response: HTTPResponse
        do {
            response = try http.send(HTTPRequest(method: method, url: url, headers: headers, body: body))
        } catch {
            throw .transient(message: "facebook: \(error)")
        }
        if (200..<300).contains(response.status) { return response }
        throw FacebookErrors.classify(status: response.status, body: response.body, headers: response.headers, context: context)
    }
}

/// URL-encoding for query strings and form bodies (`application/x-www-form-urlencoded`).
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

extension String {
    /// The path with ids masked, for messages (`/act_1001/customaudiences` → `/act_…/customaudiences`).
    var graphPathShape: String {
        split(separator: "/").map { $0.allSatisfy(\.isNumber) ? "…" : ($0.hasPrefix("act_") ? "act_…" : String($0)) }
            .joined(separator: "/").prefixedSlash
    }
    private var prefixedSlash: String { "/" + self }
}
