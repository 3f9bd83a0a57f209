import Core
import Foundation

/// A Rest.li collection page: `{"elements":[…],"paging":{"start","count","total"}}`.
struct LinkedInPage<Item: Decodable>: Decodable {
    struct Paging: Decodable {
        let start: Int?
        let count: Int?
        let total: Int?
    }
    let elements: [Item]
    let paging: Paging?
}

/// One `adAccountUsers` entry: the member's role on a sponsored account.
struct LinkedInAccountUser: Decodable {
    let account: String
    let role: String
}

/// One `adAccounts` entry.
struct LinkedInAdAccount: Decodable {
    let id: Int64
    let name: String?
    let currency: String?
    let status: String?
}

extension LinkedInClient {
    /// Entries asked for per page.
    static let pageSize = 100
    /// Pages followed at most, so a misbehaving partner cannot keep us looping.
    static let maxPages = 200

    /// Every element of a finder, paging with `start`/`count` until a short page or `paging.total`.
    func collect<Item: Decodable>(_ path: String, query: [(String, String)], token: String, context: LinkedInErrorContext,
                                  as: Item.Type) throws(PartnerError) -> [Item] {
        var items: [Item] = []
        for page in 0..<Self.maxPages {
            let start = page * Self.pageSize
            let answer = try call("GET", path, query: query + [("start", String(start)), ("count", String(Self.pageSize))],
                                  token: token, context: context, as: LinkedInPage<Item>.self)
            items += answer.elements
            if answer.elements.count < Self.pageSize { break }
            if let total = answer.paging?.total, start + answer.elements.count >= total { break }
        }
        return items
    }

    /// The member's role on each sponsored account (`GET /adAccountUsers?q=authenticatedUser`), by numeric id.
    public func accountRoles(token: String) throws(PartnerError) -> [String: String] {
        let users = try collect("/adAccountUsers", query: [("q", "authenticatedUser")], token: token, context: .adAccount,
                                as: LinkedInAccountUser.self)
        var roles: [String: String] = [:]
        for user in users { roles[Self.lastComponent(ofURN: user.account)] = user.role }
        return roles
    }

    /// Sponsored accounts where the member has a role, with the account's status and the member's role: LinkedIn
    /// restricts managing audiences to roles other than `VIEWER` (partners.md §7.2), so a viewer's account is listed
    /// but marked. Names and currencies come from `GET /adAccounts?q=search`; ids are the numeric account ids.
    public func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] {
        let roles = try accountRoles(token: token)
        let accounts = try collect("/adAccounts", query: [("q", "search")], token: token, context: .adAccount, as: LinkedInAdAccount.self)
        return accounts.compactMap { account in
            let id = String(account.id)
            guard let role = roles[id] else { return nil }
            let status = account.status.map { [AccountFacts.linkedInStatus($0)] } ?? []
            return RemoteAdAccount(externalID: id, name: account.name ?? id, currency: account.currency,
                                   facts: status + [AccountFacts.linkedInRole(role)])
        }
    }
}
