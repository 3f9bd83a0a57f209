import Core
import Foundation

/// `customers:listAccessibleCustomers`.
struct GoogleAccessibleCustomers: Decodable {
    let resourceNames: [String]?
}

/// A GAQL `customer` row.
struct GoogleCustomerRow: Decodable {
    struct Customer: Decodable {
        let id: String?
        let descriptiveName: String?
        let currencyCode: String?
        let manager: Bool?
        let status: String?
        let customerAgreementSetting: AgreementSetting?
    }
    /// `customer.customer_agreement_setting` [I]. REST leaves a false boolean out (proto3 JSON), so a setting
    /// without `acceptedCustomerDataTerms` means not accepted.
    struct AgreementSetting: Decodable {
        let acceptedCustomerDataTerms: Bool?
    }
    let customer: Customer?
}

/// A GAQL search answer (`results` is left out when empty).
struct GoogleSearchAnswer<Row: Decodable>: Decodable {
    let results: [Row]?
    let nextPageToken: String?
}

extension GoogleClient {
    /// Customers read at most, so a huge agency account cannot stall the connection page.
    static let maxCustomers = 200
    static let customerQuery = "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.manager, customer.status, "
        + "customer.customer_agreement_setting.accepted_customer_data_terms FROM customer"

    /// Customer ids are sent without dashes (partners.md §3).
    public static func customerID(_ text: String) -> String { text.filter(\.isNumber) }

    /// Every customer the token reaches directly that can hold Customer Match lists: `listAccessibleCustomers`, then each
    /// one's name, currency, kind, status and customer data terms by GAQL (partners.md §3.2, §3.6). Manager accounts are left out (their lists live in
    /// the clients). A customer Google will not open (`CUSTOMER_NOT_ENABLED`: cancelled, suspended or closed) is listed by
    /// its id with that answer as its status, so the page can say why it cannot be used.
    public func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] {
        let names = try call(.ads, "GET", "/customers:listAccessibleCustomers", token: token, context: .account,
                             as: GoogleAccessibleCustomers.self).resourceNames ?? []
        var accounts: [RemoteAdAccount] = []
        for name in names.prefix(Self.maxCustomers) {
            let id = Self.customerID(String(name.split(separator: "/").last ?? ""))
            guard !id.isEmpty else { continue }
            let row: GoogleCustomerRow?
            do {
                row = try call(.ads, "POST", "/customers/\(id)/googleAds:search", body: ["query": Self.customerQuery], token: token,
                               context: .account, as: GoogleSearchAnswer<GoogleCustomerRow>.self).results?.first
            } catch {
                // One closed or unreachable customer does not hide the others; a token problem stops everything.
                guard case .permissionDenied(let message) = error else { throw error }
                if message.contains(AccountFacts.googleNotEnabled) {
                    accounts.append(RemoteAdAccount(externalID: id, name: id, currency: nil, facts: [AccountFacts.googleStatus(AccountFacts.googleNotEnabled)]))
                }
                continue
            }
            guard let customer = row?.customer, customer.manager != true else { continue }
            let terms = customer.customerAgreementSetting.map { AccountFacts.googleCustomerDataTerms(accepted: $0.acceptedCustomerDataTerms ?? false) }
            accounts.append(RemoteAdAccount(externalID: id, name: customer.descriptiveName ?? id, currency: customer.currencyCode,
                                            facts: (customer.status.map { [AccountFacts.googleStatus($0)] } ?? []) + (terms.map { [$0] } ?? [])))
        }
        return accounts
    }
}
