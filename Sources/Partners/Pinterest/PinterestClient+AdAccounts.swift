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
    /// Permissions that let a person create audiences and change customer lists [I: Pinterest's business-access
    /// roles]; an account shared with only `ANALYST` or `FINANCE_MANAGER` cannot be synced to.
    static let writingPermissions: Set<String> = ["OWNER", "ADMINISTRATOR", "AUDIENCE_MANAGER", "CAMPAIGN_MANAGER"]

    /// Every ad account the token reaches, shared ones included, paged by `bookmark`; accounts the person may
    /// only read are left out, since nothing can be synced to them.
    public func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] {
        let accounts = try all("/ad_accounts", query: [("include_shared_accounts", "true")], token: token, context: .other,
                               as: PinterestAdAccount.self)
        var seen = Set<String>()
        return accounts.filter { account in
            let permissions = Set((account.permissions ?? []).map { $0.uppercased() })
            return !permissions.isDisjoint(with: Self.writingPermissions) && seen.insert(account.id).inserted
        }.map { RemoteAdAccount(externalID: $0.id, name: $0.name ?? $0.id, currency: $0.currency, isActive: true, termsAccepted: nil) }
    }
}
