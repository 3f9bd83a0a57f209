import Core
import FastCGI

/// `POST /partners/{partner}/disconnect`: deletes the connection, its sealed token and its chosen ad accounts.
enum PartnerDisconnect {
    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        try context.app.store.deleteConnection(workspaceID: context.user.workspaceID, partner: partner)
        context.audit(.partnerDisconnected, detail: partner.rawValue)
        return PartnerSupport.back(partner, .disconnected)
    }

    /// Asked first: what the disconnection deletes and which launched canvases stop syncing.
    static func confirmation(_ context: RequestContext, _ partner: PartnerID) throws -> ConfirmGate {
        // Nothing connected: the handler answers it (404), there is nothing to describe.
        guard let connection = try PartnerSupport.connection(context, partner) else { return .proceed }
        let name = PartnerInfo.of(partner).displayName
        let accounts = try context.app.store.adAccounts(connectionID: connection.id)
        let canvases = try DestinationUse.launchedCanvases(context, partner: partner)
        let effect = "Disconnecting \(name) deletes its token and its \(accounts.count) chosen ad account\(accounts.count == 1 ? "" : "s") "
            + "from AudienceSync. Nothing more is sent to \(name) until it is connected again."
        return .ask { Confirmation(title: "Disconnect \(name)?", effect: effect,
                                 details: [DestinationUse.stoppedLine(canvases, what: name)].compactMap { $0 },
                                 button: "Disconnect \(name)", cancelPath: SiteRoute.partner(partner).path) }
    }
}
