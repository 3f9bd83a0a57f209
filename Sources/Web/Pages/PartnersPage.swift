import Core
import FastCGI

/// `GET /partners`: Technology Partners — every partner with its status in this workspace, and the installation's
/// Audience Sync Pro allotments with the "Select partners" form for admins.
enum PartnersPage {
    struct Card {
        let name: String
        let summary: String
        let path: String
        let isPro: Bool
        let status: String
        let statusClass: String
    }

    struct ProChoice {
        let value: String
        let name: String
        let isEnabled: Bool
    }

    struct Content {
        let cards: [Card]
        let purchases: Int
        let total: Int
        let used: Int
        let left: Int
        let choices: [ProChoice]
        let proError: String?
        let proAction: String
        let csrfToken: String
    }

    static func handle(_ context: RequestContext) throws -> Response {
        try render(context, selection: nil, proError: nil, status: 200)
    }

    /// Renders the page; `selection` is a refused "Select partners" form, shown again with `proError`.
    static func render(_ context: RequestContext, selection: Set<PartnerID>?, proError: String?, status: Int) throws -> Response {
        let connections = try context.app.store.connections(workspaceID: context.user.workspaceID)
        let allotments = try PartnerSupport.allotments(context)
        let cards = PartnerInfo.catalog.map { info -> Card in
            let (status, style) = statusText(info, connections.first { $0.partner == info.id }, allowed: allotments.allows(info.id))
            return Card(name: info.displayName, summary: info.summary, path: SiteRoute.partner(info.id).path,
                        isPro: info.tier == .pro, status: status, statusClass: style)
        }
        let shown = selection ?? allotments.enabled
        let choices = PartnerInfo.catalog.filter { $0.tier == .pro }.map {
            ProChoice(value: $0.id.rawValue, name: $0.displayName, isEnabled: shown.contains($0.id))
        }
        let content = Content(cards: cards, purchases: allotments.purchases, total: allotments.total, used: allotments.used, left: allotments.left,
                              choices: choices, proError: proError, proAction: SiteRoute.proPartners.path,
                              csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("partners", shell: context.shell(title: "Technology Partners", section: "partners"),
                                     content: content, status: status)
    }

    private static func statusText(_ info: PartnerInfo, _ connection: Connection?, allowed: Bool) -> (String, String) {
        guard allowed else { return ("Pro partner not enabled", "muted") }
        guard info.isConnectable else { return ("Coming soon", "muted") }
        guard let connection else { return ("Not connected", "muted") }
        return connection.status == .valid ? ("Connected", "ok") : ("Needs attention: reconnect", "bad")
    }
}

/// `POST /partners/pro`: "Select partners" — which Pro partners the installation's allotments go to.
enum ProPartnersSave {
    static func handle(_ context: RequestContext) throws -> Response {
        let values = context.request.form.all("partner")
        let selection = Set(values.compactMap(PartnerID.init(rawValue:)))
        let allotments = try PartnerSupport.allotments(context)
        if selection.count != Set(values).count {
            return try PartnersPage.render(context, selection: selection, proError: "Choose partners from the list.", status: 422)
        }
        if let problem = allotments.problem(with: selection, connected: try context.app.store.connectedPartners()) {
            return try PartnersPage.render(context, selection: selection, proError: problem, status: 422)
        }
        try context.app.store.setEnabledProPartners(selection, by: context.user.id, now: context.now)
        return Response.redirect(to: SiteRoute.partners.path + "?notice=" + Notice.proPartnersSaved.rawValue)
    }
}
