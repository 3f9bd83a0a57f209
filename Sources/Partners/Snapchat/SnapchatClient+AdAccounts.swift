import Core
import Foundation

/// `GET /me/organizations?with_ad_accounts=true`: organizations with their ad accounts nested.
struct SnapOrganizationsAnswer: SnapEnvelope {
    struct Entry: Decodable {
        let sub_request_status: String?
        let organization: Organization?
    }
    struct Organization: Decodable {
        let id: String
        let name: String?
        let ad_accounts: [AdAccount]?
    }
    struct AdAccount: Decodable {
        let id: String
        let name: String?
        let currency: String?
        let timezone: String?
        let status: String?
    }
    let request_status: String?
    let organizations: [Entry]?
}

extension SnapchatClient {
    /// Every ad account of every organization the token reaches (partners.md §5.2). An account is active when
    /// Snap says `ACTIVE`; organizations Snap could not read (`sub_request_status` other than success) are skipped.
    public func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] {
        let answer = try call("GET", "/me/organizations", query: [("with_ad_accounts", "true")], token: token,
                              as: SnapOrganizationsAnswer.self)
        var seen = Set<String>()
        var accounts: [RemoteAdAccount] = []
        for entry in answer.organizations ?? [] where (entry.sub_request_status ?? "SUCCESS").uppercased() == "SUCCESS" {
            for account in entry.organization?.ad_accounts ?? [] where seen.insert(account.id).inserted {
                accounts.append(RemoteAdAccount(externalID: account.id, name: account.name ?? account.id, currency: account.currency,
                                                facts: account.status.map { [AccountFacts.snapchatStatus($0.uppercased())] } ?? []))
            }
        }
        return accounts
    }
}
