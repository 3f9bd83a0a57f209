import FastCGI
import Logging

/// One helper per kind of error page, so every error looks and logs the same way.
enum ErrorPages {
    /// What the error template shows.
    struct Content {
        let heading: String
        let message: String
        let backPath: String
    }

    /// A page with a heading and a message.
    static func page(_ renderer: Renderer, status: Int, title: String, message: String,
                     shell: Shell? = nil, backPath: String = SiteRoute.home.path) -> Response {
        let shell = shell ?? Shell(title: title, section: "", user: nil, csrfToken: "", notice: nil)
        return renderer.page("error", shell: shell, content: Content(heading: title, message: message, backPath: backPath), status: status)
    }

    /// 404.
    static func notFound(_ context: RequestContext) -> Response {
        page(context.renderer, status: 404, title: "Page not found", message: "There is nothing at this address. It may have been removed.",
             shell: context.shell(title: "Page not found", section: ""))
    }

    /// How long a refused client is asked to wait (`Retry-After`) when the database cannot take writes: long enough
    /// for an operator to free disk space, short enough that a backlog moves on soon after.
    static let retryAfterSeconds = 30

    /// 503 when the database cannot be used; the cause goes to the log, not the page.
    static func unavailable(_ renderer: Renderer, _ error: any Error, logger: Logger) -> Response {
        logger.error("request failed: \(error)")
        var answer = page(renderer, status: 503, title: "Temporarily unavailable",
                          message: "AudienceSync could not reach its database. Nothing was changed. Try again in a moment.")
        answer.headers.append(("Retry-After", String(retryAfterSeconds)))
        return answer
    }
}
