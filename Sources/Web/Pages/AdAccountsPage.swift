import Core
import FastCGI
import Partners

/// `GET /partners/{partner}/accounts`: every ad account the token reaches, to choose which ones this
/// workspace syncs to. Reads the partner live; writes nothing.
enum AdAccountsPage {
    struct Content {
        let name: String
        let noun: String
        let options: [Option]
        let hasOptions: Bool
        let error: String?
        let formError: String?
        let action: String
        let partnerPath: String
        let csrfToken: String
    }

    struct Option {
        let externalID: String
        let name: String
        let currency: String
        let isChecked: Bool
        let health: AccountHealthView
    }

    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        try render(context, partner, formError: nil, status: 200)
    }

    /// Lists the partner's accounts with the workspace's current choice ticked (or `chosen` when re-rendering a form).
    static func render(_ context: RequestContext, _ partner: PartnerID, chosen: Set<String>? = nil, formError: String?, status: Int) throws -> Response {
        guard let connector = PartnerSupport.connector(context, partner) else { return PartnerSupport.unavailable(context, partner) }
        guard let connection = try PartnerSupport.connection(context, partner) else { return PartnerSupport.back(partner, .disconnected) }
        let saved = try context.app.store.adAccounts(connectionID: connection.id).map(\.externalID)
        let selected = chosen ?? Set(saved)
        var options: [Option] = []
        var problem: String?
        if let token = PartnerSupport.token(context, connection) {
            do {
                options = try connector.adAccounts(token: token).map { account in
                    Option(externalID: account.externalID, name: account.name, currency: account.currency ?? "",
                           isChecked: selected.contains(account.externalID),
                           health: AccountHealthView(facts: account.facts, partner: partner, reason: AccountUsability.reason(account, partner: partner),
                                                     termsURL: connector.termsURL(accountExternalID: account.externalID)))
                }
            } catch {
                problem = "Could not list the ad accounts: \(error.message) Reconnect if the problem stays."
            }
        } else {
            problem = "The stored token can no longer be read (the key file changed). Reconnect to continue."
        }
        let info = PartnerInfo.of(partner)
        let content = Content(name: info.displayName, noun: info.adAccountNoun, options: options, hasOptions: !options.isEmpty, error: problem,
                              formError: formError, action: SiteRoute.partnerAccounts(partner).path,
                              partnerPath: SiteRoute.partner(partner).path, csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("partner_accounts", shell: context.shell(title: "Choose \(info.displayName) ad accounts", section: "partners"),
                                     content: content, status: status)
    }
}
