import Core
import FastCGI
import Partners

/// `POST /partners/{partner}/accounts`: saves the chosen ad accounts.
///
/// The names and terms status come from the partner, not the form: only ids the token really reaches are kept.
enum AdAccountsSave {
    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        guard let connector = PartnerSupport.connector(context, partner) else { return PartnerSupport.unavailable(context, partner) }
        guard let connection = try PartnerSupport.connection(context, partner) else { return PartnerSupport.back(partner, .disconnected) }
        let chosen = Set(context.request.form.all("account"))
        guard !chosen.isEmpty else {
            return try AdAccountsPage.render(context, partner, chosen: chosen,
                                             formError: "Choose at least one ad account, or disconnect instead.", status: 422)
        }
        guard let token = PartnerSupport.token(context, connection) else {
            return try AdAccountsPage.render(context, partner, chosen: chosen, formError: nil, status: 409)
        }
        let reachable: [RemoteAdAccount]
        do {
            reachable = try connector.adAccounts(token: token)
        } catch {
            return try AdAccountsPage.render(context, partner, chosen: chosen,
                                             formError: "Nothing was saved: \(error.message)", status: 502)
        }
        let picked = reachable.filter { chosen.contains($0.externalID) }
        guard picked.count == chosen.count else {
            return try AdAccountsPage.render(context, partner, chosen: chosen,
                                             formError: "Some of the chosen accounts are no longer reachable with this connection. Nothing was saved.",
                                             status: 422)
        }
        try context.app.store.selectAdAccounts(connectionID: connection.id, accounts: picked, now: context.now)
        return PartnerSupport.back(partner, .accountsSaved)
    }
}
