import Core
import FastCGI

/// `GET /partners`: Technology Partners — every partner with its status in this workspace.
enum PartnersPage {
    struct Card {
        let name: String
        let summary: String
        let path: String
        let isPro: Bool
        let status: String
        let statusClass: String
    }

    struct Content {
        let cards: [Card]
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let connections = try context.app.store.connections(workspaceID: context.user.workspaceID)
        let cards = PartnerInfo.catalog.map { info -> Card in
            let (status, style) = statusText(info, connections.first { $0.partner == info.id })
            return Card(name: info.displayName, summary: info.summary, path: SiteRoute.partner(info.id).path,
                        isPro: info.tier == .pro, status: status, statusClass: style)
        }
        return context.renderer.page("partners", shell: context.shell(title: "Technology Partners", section: "partners"),
                                     content: Content(cards: cards))
    }

    private static func statusText(_ info: PartnerInfo, _ connection: Connection?) -> (String, String) {
        guard info.isConnectable else { return ("Coming soon", "muted") }
        guard let connection else { return ("Not connected", "muted") }
        return connection.status == .valid ? ("Connected", "ok") : ("Needs attention: reconnect", "bad")
    }
}
