import Core
import FastCGI

/// `POST /partners/{partner}/disconnect`: deletes the connection, its sealed token and its chosen ad accounts.
enum PartnerDisconnect {
    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        try context.app.store.deleteConnection(workspaceID: context.user.workspaceID, partner: partner)
        context.audit(.partnerDisconnected, detail: partner.rawValue)
        return PartnerSupport.back(partner, .disconnected)
    }
}
