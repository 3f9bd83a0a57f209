import Core
import FastCGI
import Partners
import Storage

/// Shared steps of the partner actions: finding the connector, sealing and opening tokens.
enum PartnerSupport {
    /// The connector for a connectable partner, or nil (the caller answers "coming soon").
    static func connector(_ context: RequestContext, _ partner: PartnerID) -> (any PartnerConnector)? {
        PartnerInfo.of(partner).isConnectable ? context.app.connectors[partner] : nil
    }

    /// The page for a partner this build cannot connect yet.
    static func comingSoon(_ context: RequestContext, _ partner: PartnerID) -> Response {
        ErrorPages.page(context.renderer, status: 404, title: "\(PartnerInfo.of(partner).displayName) is coming soon",
                        message: "This partner cannot be connected yet.", shell: context.shell(title: "Coming soon", section: "partners"),
                        backPath: SiteRoute.partners.path)
    }

    /// The workspace's connection to `partner`, or nil.
    static func connection(_ context: RequestContext, _ partner: PartnerID) throws -> Connection? {
        try context.app.store.connection(workspaceID: context.user.workspaceID, partner: partner)
    }

    /// The plaintext token of a connection; nil when it cannot be opened (key changed, row tampered).
    static func token(_ context: RequestContext, _ connection: Connection) -> String? {
        try? context.app.tokenBox.open(connection.sealedToken,
                                       context: Connection.tokenContext(workspaceID: connection.workspaceID, partner: connection.partner))
    }

    /// Seals and stores a token as the workspace's connection to `partner`.
    static func save(_ context: RequestContext, _ partner: PartnerID, token: PartnerToken, kind: TokenKind) throws -> Connection {
        let workspaceID = context.user.workspaceID
        let sealed = context.app.tokenBox.seal(token.value, context: Connection.tokenContext(workspaceID: workspaceID, partner: partner))
        return try context.app.store.saveConnection(
            NewConnection(workspaceID: workspaceID, partner: partner, tokenKind: kind, sealedToken: sealed, expiresAt: token.expiresAt,
                          partnerUserName: token.partnerUserName, connectedBy: context.user.id), now: context.now)
    }

    /// Redirects to the partner page with a notice.
    static func back(_ partner: PartnerID, _ notice: Notice) -> Response {
        Response.redirect(to: SiteRoute.partner(partner).path + "?notice=" + notice.rawValue)
    }
}
