import Core
import FastCGI
import Storage

/// `POST /partners/{partner}/accounts/{id}/remove`: stops syncing to one ad account of this workspace.
enum AdAccountRemove {
    static func handle(_ context: RequestContext, _ partner: PartnerID, _ id: Int64) throws -> Response {
        // Scoped by workspace in the store: another workspace's id answers 404 (StoreError.notFound).
        try context.app.store.removeAdAccount(workspaceID: context.user.workspaceID, adAccountID: id)
        return PartnerSupport.back(partner, .accountRemoved)
    }

    /// Asked first: which account stops receiving, and which launched canvases sync to it.
    static func confirmation(_ context: RequestContext, _ partner: PartnerID, _ id: Int64) throws -> ConfirmGate {
        guard let connection = try PartnerSupport.connection(context, partner),
              let account = try context.app.store.adAccounts(connectionID: connection.id).first(where: { $0.id == id }) else {
            throw StoreError.notFound
        }
        let name = PartnerInfo.of(partner).displayName
        let canvases = try DestinationUse.launchedCanvases(context, partner: partner, account: account.externalID)
        return .ask { Confirmation(title: "Remove the ad account \(account.name)?",
                                 effect: "Removing \(account.name) (\(account.externalID)) stops this workspace syncing to it: "
                                     + "no step or export can send to it until it is chosen again.",
                                 details: [DestinationUse.stoppedLine(canvases, what: "this ad account")].compactMap { $0 },
                                 button: "Remove ad account", cancelPath: SiteRoute.partner(partner).path) }
    }
}
