import Core
import Partners

/// Whether a chosen ad account can receive users now, for destination pickers (export form, step editor): an
/// account whose custom-audience terms are not accepted, that the partner reports inactive, or that the token no
/// longer reaches is listed but not selectable, with this reason.
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
        if (now?.termsAccepted ?? account.termsAccepted) == false { return "its custom audience terms are not accepted at \(name)" }
        if now?.isActive == false { return "\(name) reports it inactive" }
        return nil
    }
}
