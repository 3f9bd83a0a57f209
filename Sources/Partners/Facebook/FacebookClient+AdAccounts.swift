import Core
import Foundation

/// One page of a Graph edge.
struct GraphPage<Item: Decodable>: Decodable {
    struct Paging: Decodable {
        struct Cursors: Decodable { let after: String? }
        let cursors: Cursors?
        let next: String?
    }
    let data: [Item]
    let paging: Paging?
}

/// An ad account as Graph returns it.
struct GraphAdAccount: Decodable {
    let id: String
    let name: String?
    let account_status: Int?
    let currency: String?
    let tos_accepted: [String: Int]?

    /// The account with its status (when Graph gives one) and its custom audience terms (absent: not signed).
    var remote: RemoteAdAccount {
        let status = account_status.map { [AccountFacts.facebookStatus($0)] } ?? []
        return RemoteAdAccount(externalID: FacebookClient.normalizeAccountID(id), name: name ?? id, currency: currency,
                               facts: status + [AccountFacts.facebookTerms(accepted: tos_accepted?["custom_audience_tos"] == 1)])
    }
}

extension FacebookClient {
    static let adAccountFields = "id,account_id,name,account_status,currency,tos_accepted"
    /// Pages followed at most, so a misbehaving partner cannot keep us looping.
    static let maxPages = 200

    /// `act_<id>` whatever form the id came in (partners.md §1.2).
    public static func normalizeAccountID(_ id: String) -> String { id.hasPrefix("act_") ? id : "act_" + id }

    /// Every ad account the token reaches, following the paging cursors.
    ///
    /// The `next` URL of a page is not followed as given: only its cursor is used, so the token is never sent
    /// to a host other than the configured Graph base URL.
    public func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] {
        var accounts: [RemoteAdAccount] = []
        var after: String?
        for _ in 0..<Self.maxPages {
            var query = [("fields", Self.adAccountFields), ("limit", "100")]
            if let after { query.append(("after", after)) }
            let page = try call("GET", "/me/adaccounts", query: query, token: token, context: .adAccount, as: GraphPage<GraphAdAccount>.self)
            accounts += page.data.map(\.remote)
            guard page.paging?.next != nil, let cursor = page.paging?.cursors?.after, cursor != after else { break }
            after = cursor
        }
        return accounts
    }

    /// One ad account with its terms status (`act_<id>?fields=tos_accepted,…`).
    public func adAccount(_ externalID: String, token: String) throws(PartnerError) -> RemoteAdAccount {
        try call("GET", "/" + Self.normalizeAccountID(externalID), query: [("fields", Self.adAccountFields)], token: token,
                 context: .adAccount, as: GraphAdAccount.self).remote
    }
}
