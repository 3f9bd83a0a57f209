import Core
import Foundation

/// An ad account as `GET /ad_accounts` lists it (partners.md §4.2).
struct PinterestAdAccount: Decodable {
    let id: String
    let name: String?
    let currency: String?
    let permissions: [String]?
}

extension PinterestClient {
    /// Every ad account the token reaches, shared ones included, paged by `bookmark`, with the person's permissions:
    /// an account shared with only `ANALYST` or `FINANCE_MANAGER` is listed but marked (Pinterest refuses its writes).
    public func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] {
        let accounts = try all("/ad_accounts", query: [("include_shared_accounts", "true")], token: token, context: .other,
                               as: PinterestAdAccount.self)
        var seen = Set<String>()
        return accounts.filter { seen.insert($0.id).inserted }.map {
            RemoteAdAccount(externalID: $0.id, name: $0.name ?? $0.id, currency: $0.currency,
                            facts: [AccountFacts.pinterestPermissions($0.permissions ?? [])])
        }
    }
}
