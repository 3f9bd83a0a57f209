import Core
import FastCGI
import Partners
import Storage

/// Shared steps of the partner actions: finding the connector, sealing and opening tokens.
enum PartnerSupport {
    /// The connector for a connectable partner this installation allows (a Pro partner must be enabled), or nil
    /// (the caller answers with ``unavailable(_:_:)``).
    static func connector(_ context: RequestContext, _ partner: PartnerID) -> (any PartnerConnector)? {
        let info = PartnerInfo.of(partner)
        guard info.isConnectable, info.tier == .standard || (try? allotments(context).allows(partner)) == true else { return nil }
        return context.app.connectors[partner]
    }

    /// The installation's Audience Sync Pro allotments.
    static func allotments(_ context: RequestContext) throws -> ProAllotments {
        ProAllotments(purchases: context.app.config.proPurchases, enabled: try context.app.store.enabledProPartners())
    }

    /// Why `partner` cannot be used here: a Pro partner not enabled (403, saying how to enable it), or a partner
    /// this build cannot connect yet (404).
    static func unavailable(_ context: RequestContext, _ partner: PartnerID) -> Response {
        let name = PartnerInfo.of(partner).displayName
        if let allotments = try? allotments(context), !allotments.allows(partner) {
            return ErrorPages.page(context.renderer, status: 403, title: "\(name) is an Audience Sync Pro partner that is not enabled",
                                   message: "An admin can enable it under Technology Partners → Select partners "
                                       + "(\(allotments.left) of \(allotments.total) Pro allotments left).",
                                   shell: context.shell(title: "Not enabled", section: "partners"), backPath: SiteRoute.partners.path)
        }
        return ErrorPages.page(context.renderer, status: 404, title: "\(name) is coming soon",
                               message: "This partner cannot be connected yet.", shell: context.shell(title: "Coming soon", section: "partners"),
                               backPath: SiteRoute.partners.path)
    }

    /// The workspace's connection to `partner`, or nil.
    static func connection(_ context: RequestContext, _ partner: PartnerID) throws -> Connection? {
        try context.app.store.connection(workspaceID: context.user.workspaceID, partner: partner)
    }

    /// The plaintext access token of a connection, renewed first when it is about to expire and the partner issued a
    /// refresh token; nil when it cannot be had (key changed, row tampered, refresh refused: the connection then
    /// shows as invalid).
    static func token(_ context: RequestContext, _ connection: Connection) -> String? {
        try? context.app.tokens.accessToken(connection).get()
    }

    /// Seals and stores a token as the workspace's connection to `partner`.
    static func save(_ context: RequestContext, _ partner: PartnerID, token: PartnerToken, kind: TokenKind) throws -> Connection {
        let workspaceID = context.user.workspaceID
        let box = context.app.tokenBox
        let sealed = box.seal(token.value, context: Connection.tokenContext(workspaceID: workspaceID, partner: partner))
        let sealedRefresh = token.refreshToken.map { box.seal($0, context: Connection.refreshTokenContext(workspaceID: workspaceID, partner: partner)) }
        return try context.app.store.saveConnection(
            NewConnection(workspaceID: workspaceID, partner: partner, tokenKind: kind, sealedToken: sealed, expiresAt: token.expiresAt,
                          partnerUserName: token.partnerUserName, connectedBy: context.user.id, sealedRefreshToken: sealedRefresh,
                          refreshExpiresAt: token.refreshExpiresAt), now: context.now)
    }

    /// Redirects to the partner page with a notice.
    static func back(_ partner: PartnerID, _ notice: Notice) -> Response {
        Response.redirect(to: SiteRoute.partner(partner).path + "?notice=" + notice.rawValue)
    }
}
