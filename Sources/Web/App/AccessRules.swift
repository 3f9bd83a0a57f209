import FastCGI

/// Applies a route's ``Access`` rule before its handler runs.
enum AccessRules {
    /// A refusal response, or nil when the request may proceed.
    static func check(_ entry: RouteEntry, _ context: RequestContext) -> Response? {
        switch entry.access {
        case .anyone:
            return nil
        case .apiKey:
            // API routes are answered by APIGate before access rules run; never serve one here.
            return ErrorPages.notFound(context)
        case .signedIn, .admin:
            guard let session = context.session else { return signInFirst(context) }
            if entry.access == .admin, session.user.role != .admin {
                context.audit(.accessRefused, detail: "\(context.request.method) \(context.request.path): admins only")
                return ErrorPages.page(context.renderer, status: 403, title: "Admins only",
                                       message: "Only workspace admins can change partner connections. Ask an admin of your workspace.",
                                       shell: context.shell(title: "Admins only", section: ""))
            }
            return nil
        }
    }

    private static func signInFirst(_ context: RequestContext) -> Response {
        let request = context.request
        // Only a GET is worth coming back to after signing in.
        let next = request.method == "GET" ? request.path : ""
        let target = SiteRoute.signIn.path + (next.isEmpty || next == "/" ? "" : "?next=" + URLEncoding.encode(next))
        return Response.redirect(to: target)
    }
}

/// `GET /`: the dashboard's front door.
enum HomeRedirect {
    static func handle(_ context: RequestContext) -> Response {
        Response.redirect(to: context.session == nil ? SiteRoute.signIn.path : SiteRoute.overview.path)
    }
}

/// `GET /healthz`: whether the app can read its database (used by `make run` to wait for start-up).
enum HealthCheck {
    static func handle(_ context: RequestContext) throws -> Response {
        _ = try context.app.store.workspace(id: 0)
        return Response.text("ok")
    }
}
