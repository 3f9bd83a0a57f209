import Core
import Foundation
import HTTPClient

/// The Snap Marketing API client (partners.md §5): OAuth with refresh tokens, ad accounts nested in
/// organizations, customer-list segments, and user uploads one schema per request.
public struct SnapchatClient: Sendable {
    let endpoints: PartnerEndpoints
    let rest: BearerREST

    /// Creates a client for the API at `endpoints.apiBaseURL` (`https://adsapi.snapchat.com/v1` in production).
    public init(endpoints: PartnerEndpoints, http: HTTPClient) {
        self.endpoints = endpoints
        rest = BearerREST(partner: "snapchat", baseURL: endpoints.apiBaseURL, http: http)
    }

    /// Sends an API call and decodes the answer, or throws the classified error.
    /// - Parameter context: what the path names, so a 404 maps to the right class.
    ///
    /// A 2xx answer whose envelope says `ERROR` is classified like an error answer, so a refusal never passes for success.
    func call<T: SnapEnvelope>(_ method: String, _ path: String, query: [(String, String)] = [], token: String, json: Any? = nil,
                               context: SnapchatErrorContext = .other, as type: T.Type) throws(PartnerError) -> T {
        let response = try rest.send(method, path, query: query, token: token, body: json.map { .json($0) })
        guard (200..<300).contains(response.status) else {
            throw SnapchatErrors.classify(status: response.status, body: response.body, headers: response.headers, context: context)
        }
        let answer = try rest.decode(T.self, response, what: method + " " + path.snapPathShape)
        if answer.request_status?.uppercased() == "ERROR" {
            throw SnapchatErrors.classify(status: 400, body: response.body, headers: response.headers, context: context)
        }
        return answer
    }
}

/// Snap's envelope around every answer: `request_status` is `SUCCESS` (any case) or `ERROR`.
protocol SnapEnvelope: Decodable {
    var request_status: String? { get }
}

extension SnapEnvelope {
    /// Whether Snap says the request as a whole succeeded.
    var succeeded: Bool { request_status?.uppercased() == "SUCCESS" }
}

extension String {
    /// The path with ids masked, for messages (`/segments/123/users` → `/segments/…/users`).
    var snapPathShape: String {
        "/" + split(separator: "/").map { $0.contains(where: \.isNumber) && $0.count > 6 ? "…" : String($0) }.joined(separator: "/")
    }
}
