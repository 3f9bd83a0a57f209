import Core
import Foundation
import HTTPClient

/// The Criteo Marketing Solutions API client (partners.md §6): the authorization-code flow with refresh tokens
/// [I], advertisers as ad accounts, contact-list audience segments, and contact-list amendments one
/// `identifierType` per call.
public struct CriteoClient: Sendable {
    let endpoints: PartnerEndpoints
    let rest: BearerREST

    /// Creates a client for the API at `endpoints.apiBaseURL`, version included
    /// (`https://api.criteo.com/2026-07` in production).
    public init(endpoints: PartnerEndpoints, http: HTTPClient) {
        self.endpoints = endpoints
        rest = BearerREST(partner: "criteo", baseURL: endpoints.apiBaseURL, http: http)
    }

    /// Sends an API call and decodes the answer, or throws the classified error.
    /// - Parameter context: what the path names, so a 404 or 400 maps to the right class.
    func call<T: Decodable>(_ method: String, _ path: String, query: [(String, String)] = [], token: String, json: Any? = nil,
                            context: CriteoErrorContext = .other, as type: T.Type) throws(PartnerError) -> T {
        let response = try rest.send(method, path, query: query, token: token, body: json.map { .json($0) })
        guard (200..<300).contains(response.status) else {
            throw CriteoErrors.classify(status: response.status, body: response.body, headers: response.headers, context: context)
        }
        return try rest.decode(T.self, response, what: method + " " + (path.split(separator: "/").last.map(String.init) ?? path))
    }
}

/// Criteo's JSON:API-like error list, present (possibly empty) in many answers.
struct CriteoAnswerErrors: Decodable {
    let errors: [CriteoErrorBody.Item]?
}
