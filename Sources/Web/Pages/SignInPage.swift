import Core
import FastCGI

/// `GET /signin`: the sign-in form.
enum SignInPage {
    struct Content {
        let email: String
        let error: String?
        let next: String
        let csrfToken: String
        let action: String
    }

    static func handle(_ context: RequestContext) -> Response {
        if context.session != nil { return Response.redirect(to: SafeRedirect.path(context.request.query["next"])) }
        return render(context, email: "", error: nil, status: 200)
    }

    /// Renders the form with a fresh double-submit token (no session exists yet to hold one).
    static func render(_ context: RequestContext, email: String, error: String?, status: Int) -> Response {
        let token = SecureToken.make()
        let next = SafeRedirect.path(context.request.query["next"] ?? context.request.form["next"])
        let content = Content(email: email, error: error, next: next, csrfToken: token, action: SiteRoute.signIn.path)
        let secure = Sessions.isSecure(context) ? "; Secure" : ""
        return context.renderer.page("signin", shell: context.shell(title: "Sign in", section: ""), content: content, status: status)
            .adding("Set-Cookie", "\(CSRF.signInCookie)=\(token); Path=/signin; Max-Age=3600; HttpOnly; SameSite=Strict\(secure)")
    }
}

/// Where to send someone after signing in: only a known local page, never another site.
enum SafeRedirect {
    static func path(_ candidate: String?) -> String {
        let fallback = SiteRoute.overview.path
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"),
              !candidate.contains("\\"), !candidate.contains(where: { $0.isNewline || $0 == "\0" || $0 == "@" || $0 == ":" }),
              let route = SiteRoute(path: candidate), route != .signIn, route != .signOut else { return fallback }
        return route.path
    }
}
