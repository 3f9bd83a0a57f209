import Core
import Foundation
import HTTPClient

/// The Pinterest API v5 client (partners.md §4): OAuth with continuous refresh tokens (HTTP Basic client
/// auth), ad accounts, customer lists with their CUSTOMER_LIST audiences, and record uploads.
///
/// Every customer-list path needs its ad account, but the uploader is only given an audience id; so the
/// audience id AudienceSync keeps is `"<ad_account_id>:<customer_list_id>"` (see ``PinterestAudienceID``).
public struct PinterestClient: Sendable {
    let endpoints: PartnerEndpoints
    let rest: BearerREST

    /// Creates a client for the API at `endpoints.apiBaseURL` (`https://api.pinterest.com/v5` in production).
    public init(endpoints: PartnerEndpoints, http: HTTPClient) {
        self.endpoints = endpoints
        rest = BearerREST(partner: "pinterest", baseURL: endpoints.apiBaseURL, http: http)
    }

    /// Sends an API call and decodes the answer, or throws the classified error.
    /// - Parameter context: what the path names, so a 404 or 400 maps to the right class.
    func call<T: Decodable>(_ method: String, _ path: String, query: [(String, String)] = [], token: String, json: Any? = nil,
                            context: PinterestErrorContext = .other, as type: T.Type) throws(PartnerError) -> T {
        let response = try rest.send(method, path, query: query, token: token, body: json.map { .json($0) })
        guard (200..<300).contains(response.status) else {
            throw PinterestErrors.classify(status: response.status, body: response.body, headers: response.headers, context: context)
        }
        return try rest.decode(T.self, response, what: method + " " + (path.split(separator: "/").first.map(String.init) ?? path))
    }

    /// Pages followed at most, so a misbehaving partner cannot keep us looping.
    static let maxPages = 50
    /// Pinterest's largest `page_size`.
    static let pageSize = 250

    /// Every item of a `{"items":[…],"bookmark":…}` list, following `bookmark`.
    func all<Item: Decodable>(_ path: String, query: [(String, String)] = [], token: String, context: PinterestErrorContext,
                              as item: Item.Type) throws(PartnerError) -> [Item] {
        var items: [Item] = []
        var bookmark: String?
        for _ in 0..<Self.maxPages {
            var q = query + [("page_size", String(Self.pageSize))]
            if let bookmark { q.append(("bookmark", bookmark)) }
            let page = try call("GET", path, query: q, token: token, context: context, as: PinterestPage<Item>.self)
            items += page.items ?? []
            guard let next = page.bookmark, !next.isEmpty, next != bookmark else { break }
            bookmark = next
        }
        return items
    }
}

/// One page of a Pinterest list.
struct PinterestPage<Item: Decodable>: Decodable {
    let items: [Item]?
    let bookmark: String?
}

/// The audience id AudienceSync keeps for Pinterest: `"<ad_account_id>:<customer_list_id>"`.
public enum PinterestAudienceID {
    /// Joins the two ids.
    public static func make(account: String, customerList: String) -> String { account + ":" + customerList }

    /// Splits an id made by ``make(account:customerList:)``; nil for anything else (an id from elsewhere).
    public static func parse(_ id: String) -> (account: String, customerList: String)? {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
