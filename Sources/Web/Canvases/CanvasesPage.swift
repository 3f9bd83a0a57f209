import Core
import FastCGI
import Storage

/// `GET /canvases`: the workspace's canvases with their figures, filtered by status and sorted through the query
/// (`?status=active&sort=activity`, plain links: no script), and a form to start one.
enum CanvasesPage {
    struct Content {
        let canvases: [Row]
        let hasCanvases: Bool
        let hasAnyCanvas: Bool
        let statusLinks: [ListLink]
        let sortLinks: [ListLink]
        let name: String
        let nameError: String?
        let action: String
        let csrfToken: String
    }

    struct Row {
        let name: String
        let path: String
        let status: String
        let statusClass: String
        let created: String
        let entered: String
        let synced: String
        let pending: String
        let errored: String
        let syncedRecently: String
    }

    static func handle(_ context: RequestContext) throws -> Response {
        try render(context, name: "", nameError: nil, status: 200)
    }

    static func render(_ context: RequestContext, name: String, nameError: String?, status: Int) throws -> Response {
        let store = context.app.store, workspace = context.user.workspaceID
        let query = CanvasListQuery(context.request.query["status"], context.request.query["sort"])
        let all = try store.canvases(workspaceID: workspace)
        let figures = try store.canvasListFigures(workspaceID: workspace, since: ChartRange.day.start(now: context.now))
        let rows = query.arrange(all, figures: figures).map { canvas in
            let figure = figures[canvas.id] ?? CanvasListFigures()
            return Row(name: canvas.name, path: SiteRoute.canvas(canvas.id).path, status: CanvasLabels.status(canvas.status),
                       statusClass: canvas.status == .active ? "ok" : "muted", created: Formats.date(canvas.createdAt),
                       entered: Formats.count(figure.entered), synced: Formats.count(figure.synced), pending: Formats.count(figure.pending),
                       errored: Formats.count(figure.errored), syncedRecently: Formats.count(figure.syncedRecently))
        }
        let content = Content(canvases: rows, hasCanvases: !rows.isEmpty, hasAnyCanvas: !all.isEmpty, statusLinks: query.statusLinks,
                              sortLinks: query.sortLinks, name: name, nameError: nameError,
                              action: SiteRoute.canvases.path, csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("canvases", shell: context.shell(title: "Canvases", section: "canvases"), content: content, status: status)
    }
}

/// `POST /canvases`: creates a draft canvas and opens it.
enum CanvasCreate {
    static func handle(_ context: RequestContext) throws -> Response {
        let name = (context.request.form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        if let problem = Canvas.nameProblem(name) { return try CanvasesPage.render(context, name: name, nameError: problem, status: 422) }
        let canvas = try context.app.store.createCanvas(workspaceID: context.user.workspaceID, name: name, createdBy: context.user.id, now: context.now)
        return Response.redirect(to: SiteRoute.canvas(canvas.id).path)
    }
}

/// Words for canvas states.
enum CanvasLabels {
    static func status(_ status: CanvasStatus) -> String {
        switch status {
        case .draft: "Draft"
        case .active: "Active"
        case .stopped: "Stopped"
        }
    }
}
