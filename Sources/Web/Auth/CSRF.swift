import Core
import FastCGI
import Foundation

/// Cross-site request forgery defences for every state-changing request (reliability.md A-4):
/// a synchronizer token in each form, and refusal of requests the browser marks cross-site.
enum CSRF {
    /// The form field every state-changing form carries.
    static let field = "_csrf"
    /// The sign-in form's double-submit cookie (there is no session yet to hold a token).
    static let signInCookie = "as_signin"

    /// A 403 page when the request fails the checks, else nil.
    static func check(_ context: RequestContext) -> Response? {
        let request = context.request
        if let site = request.header("sec-fetch-site"), site.lowercased() == "cross-site" { return refuse(context) }
        if let origin = request.header("origin"), origin != "null", !sameOrigin(origin, context.app.config.baseURL) { return refuse(context) }
        let presented = request.form[field] ?? ""
        let expected: String
        if let session = context.session {
            expected = session.csrfToken
        } else {
            expected = request.cookies[signInCookie] ?? ""
        }
        guard !expected.isEmpty, SecureToken.constantTimeEquals(presented, expected) else { return refuse(context) }
        return nil
    }

    private static func sameOrigin(_ origin: String, _ baseURL: String) -> Bool {
        guard let base = URL(string: baseURL), let scheme = base.scheme, let host = base.host else { return false }
        let port = base.port.map { ":\($0)" } ?? ""
        return origin.lowercased() == "\(scheme)://\(host)\(port)".lowercased()
    }

    private static func refuse(_ context: RequestContext) -> Response {
        context.audit(.csrfRefused, detail: "\(context.request.method) \(context.request.path)")
        return ErrorPages.page(context.renderer, status: 403, title: "This form has expired",
                        message: "The form was sent without its security token, or from another site. Go back, reload the page and try again.",
                        shell: context.shell(title: "This form has expired", section: ""))
    }
}
