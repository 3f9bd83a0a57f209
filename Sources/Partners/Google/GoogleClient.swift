import Core
import Foundation
import HTTPClient

/// The Google Customer Match client (partners.md §3, §3b): OAuth 2.0 with PKCE and refresh tokens, customers and user
/// lists through the Google Ads API (`developer-token` and, when set, `login-customer-id` headers), members through the
/// Data Manager API (which takes neither header, §3b.1).
///
/// The token travels only in the `Authorization` header, so no log line or error message can carry it.
public struct GoogleClient: Sendable {
    let endpoints: PartnerEndpoints
    let http: HTTPClient

    /// Creates a client: `endpoints.apiBaseURL` is the Data Manager base, `extra["ads_api_url"]` the Google Ads API base.
    public init(endpoints: PartnerEndpoints, http: HTTPClient) {
        self.endpoints = endpoints
        self.http = http
    }

    /// The Google Ads API base, e.g. `https://googleads.googleapis.com/v22`.
    var adsBaseURL: String {
        var url = endpoints.extra["ads_api_url"] ?? ""
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The `login-customer-id` header value (a manager id, digits only), or nil when the installation sets none.
    var loginCustomerID: String? {
        let digits = (endpoints.extra["login_customer_id"] ?? "").filter(\.isNumber)
        return digits.isEmpty ? nil : digits
    }

    /// Which API a call goes to; it decides the base URL and the headers.
    enum API { case ads, dataManager }

    /// Sends a JSON call and decodes the answer, or throws the classified error.
    func call<T: Decodable>(_ api: API, _ method: String, _ path: String, body: [String: Any]? = nil, token: String,
                            context: GoogleErrorContext, as type: T.Type) throws(PartnerError) -> T {
        let response = try send(api, method, path, body: body, token: token, context: context)
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw .transient(message: "google: unreadable answer from \(path.googlePathShape)")
        }
    }

    /// Sends a JSON call and returns the raw successful response.
    func send(_ api: API, _ method: String, _ path: String, body: [String: Any]?, token: String,
              context: GoogleErrorContext) throws(PartnerError) -> HTTPResponse {
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("Authorization", "Bearer " + token)]
        if api == .ads {
            headers.append(("developer-token", endpoints.extra["developer_token"] ?? ""))
            if let loginCustomerID { headers.append(("login-customer-id", loginCustomerID)) }
        }
        var bytes: [UInt8]?
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])).map(Array.init) ?? []
        }
        let base = api == .ads ? adsBaseURL : endpoints.apiBaseURL
        return try perform(HTTPRequest(method: method, url: base + path, headers: headers, body: bytes), path: path, context: context)
    }

    /// Runs a request; transport failures are transient, non-2xx answers classified.
    func perform(_ request: HTTPRequest, path: String, context: GoogleErrorContext) throws(PartnerError) -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try http.send(request)
        } catch {
            throw .transient(message: "google: \(error)")
        }
        if (200..<300).contains(response.status) { return response }
        throw GoogleErrors.classify(status: response.status, body: response.body, headers: response.headers, context: context)
    }
}

extension String {
    /// The path with ids masked, for messages (`/customers/123/userLists:mutate` → `/customers/…/userLists:mutate`).
    var googlePathShape: String {
        "/" + split(separator: "/").map { $0.allSatisfy(\.isNumber) ? "…" : String($0) }.joined(separator: "/")
    }
}
