import Core
import FastCGI

/// `GET /canvases`: the workspace's canvases and a form to start one.
enum CanvasesPage {
    struct Content {
        let canvases: [Row]
        let hasCanvases: Bool
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
    }

    static func handle(_ context: RequestContext) throws -> Response {
        try render(context, name: "", nameError: nil, status: 200)
    }

    static func render(_ context: RequestContext, name: String, nameError: String?, status: Int) throws -> Response {
        let rows = try context.app.store.canvases(workspaceID: context.user.workspaceID).map { canvas in
            Row(name: canvas.name, path: SiteRoute.canvas(canvas.id).path, status: CanvasLabels.status(canvas.status),
                statusClass: canvas.status == .active ? "ok" : "muted", created: Formats.date(canvas.createdAt))
        }
        let content = Content(canvases: rows, hasCanvases: !rows.isEmpty, name: name, nameError: nameError,
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
