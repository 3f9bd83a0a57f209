import Core
import FastCGI

/// `POST /partners/{partner}/accounts/{id}/remove`: stops syncing to one ad account of this workspace.
enum AdAccountRemove {
    static func handle(_ context: RequestContext, _ partner: PartnerID, _ id: Int64) throws -> Response {
        // Scoped by workspace in the store: another workspace's id answers 404 (StoreError.notFound).
        try context.app.store.removeAdAccount(workspaceID: context.user.workspaceID, adAccountID: id)
        return PartnerSupport.back(partner, .accountRemoved)
    }
}
