import Core
import Partners

/// Whether a chosen ad account can receive users now, for destination pickers (export form, step editor) and launch:
/// an account the partner reports unusable (its own facts: disabled, cancelled, a viewer's role, terms not accepted),
/// or that the token no longer reaches, is listed but not selectable, with this reason.
enum AccountUsability {
    /// The partner's live view of the connection's ad accounts, or nil when it cannot be asked right now (the
    /// stored facts of the last check then decide alone).
    static func live(_ context: RequestContext, _ connection: Connection) -> [RemoteAdAccount]? {
        guard connection.status == .valid, let connector = context.app.connectors[connection.partner],
              let token = PartnerSupport.token(context, connection) else { return nil }
        return try? connector.adAccounts(token: token)
    }

    /// Why `account` cannot be chosen, or nil when it can. `live` is the partner's answer (nil: not asked).
    static func reason(_ account: SelectedAdAccount, live: [RemoteAdAccount]?, partner: PartnerID) -> String? {
        let name = PartnerInfo.of(partner).displayName
        let now = live?.first { $0.externalID == account.externalID }
        if live != nil && now == nil || live == nil && !account.isAccessible {
            return "the \(name) connection no longer reaches it"
        }
        if let now { return reason(now, partner: partner) }
        if let fact = account.facts.blocking { return explain(fact, partner: partner) }
        // Rows checked before facts were stored.
        return account.termsAccepted == false ? termsNotAccepted(partner) : nil
    }

    /// Why an account the partner lists now cannot be chosen, or nil when it can.
    static func reason(_ account: RemoteAdAccount, partner: PartnerID) -> String? {
        if let fact = account.facts.blocking { return explain(fact, partner: partner) }
        // Partners that answer without facts.
        if account.termsAccepted == false { return termsNotAccepted(partner) }
        return account.isActive ? nil : "\(PartnerInfo.of(partner).displayName) reports it inactive"
    }

    private static func termsNotAccepted(_ partner: PartnerID) -> String {
        "its custom audience terms are not accepted at \(PartnerInfo.of(partner).displayName)"
    }

    /// "TikTok reports advertiser status STATUS_DISABLE — …": one wording for a fact that stops syncing, on every page.
    static func explain(_ fact: AccountFact, partner: PartnerID) -> String {
        "\(PartnerInfo.of(partner).displayName) reports \(fact.reason)"
    }
}
