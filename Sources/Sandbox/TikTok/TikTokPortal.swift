import FastCGI
import Foundation
import GRDB

/// TikTok's authorization page on the business portal (partners.md §2.1):
/// `GET /portal/auth?app_id=&state=&redirect_uri=`. Permissions are configured on the developer app, not in
/// the URL, so the page lists the app's fixed set. Approving redirects with `auth_code` (and `code`, which some
/// apps read) plus `state`; the auth_code is single-use and valid for one hour.
enum TikTokPortal {
    /// Auth codes live one hour (partners.md §2.1).
    static let codeLifetime: TimeInterval = 3600
    /// The portal path under `/tiktok`.
    static let path = "/portal/auth"

    /// The permissions the sandbox's developer app was granted, as TikTok's page words them.
    static let permissions = [
        "Ad Account Management: read the advertiser accounts you authorize",
        "Audience Management: create and update custom audiences",
        "Reporting: read the performance of your ads",
    ]

    private struct ConsentModel {
        let title: String
        let appName: String
        let userName: String
        let permissions: [String]
        let action: String
        let appID: String
        let redirectURI: String
        let state: String
    }

    private struct ErrorModel: Error {
        let title: String
        let heading: String
        let message: String
        let detail: String?
    }

    private struct Authorization {
        let appID: String
        let redirectURI: String
        let state: String?
    }

    /// `GET|POST /tiktok/portal/auth`.
    static func handle(_ request: Request, context: SandboxContext, app: SandboxApp) -> Response {
        let params = request.method == "POST" ? request.form : request.query
        let auth: Authorization
        switch validate(params, app: app) {
        case .success(let value): auth = value
        case .failure(let page): return context.pages.render("tiktok-error", page, status: 400)
        }
        if request.method == "GET" || request.method == "HEAD" {
            let model = ConsentModel(
                title: "TikTok For Business — Authorize", appName: app.name, userName: TikTokSchema.demoUserName,
                permissions: permissions, action: "/tiktok" + path, appID: auth.appID, redirectURI: auth.redirectURI, state: auth.state ?? "")
            return context.pages.render("tiktok-consent", model)
        }
        guard request.method == "POST" else { return SandboxRouter.notFound(request, context: context) }
        var query: String
        switch params["decision"] {
        case "allow":
            do {
                let code = TikTokEnvelope.authCode()
                try context.store.write { db in
                    let now = try context.store.now(db)
                    try db.execute(
                        sql: """
                            INSERT INTO tt_codes (code, app_id, redirect_uri, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [code, auth.appID, auth.redirectURI, TikTokSchema.demoUserID, now.timeIntervalSince1970,
                                    now.addingTimeInterval(codeLifetime).timeIntervalSince1970])
                }
                query = "auth_code=" + URLEncoding.encode(code) + "&code=" + URLEncoding.encode(code)
            } catch {
                return Knob.storeFailure(error)
            }
        case "deny":
            query = "error=access_denied&error_description=" + URLEncoding.encode("The user denied the authorization.")
        default:
            let page = ErrorModel(title: "Error", heading: "Something went wrong", message: "Choose Allow or Cancel to answer the request.",
                                  detail: nil)
            return context.pages.render("tiktok-error", page, status: 400)
        }
        if let state = auth.state { query += "&state=" + URLEncoding.encode(state) }
        let separator = auth.redirectURI.contains("?") ? "&" : "?"
        return Response(status: 302, headers: [("Location", auth.redirectURI + separator + query), ("Cache-Control", "no-store")])
    }

    /// The app must be registered and the redirect URI one of its registered URLs, exactly; otherwise an error
    /// page, never a redirect.
    private static func validate(_ params: FormValues, app: SandboxApp) -> Result<Authorization, ErrorModel> {
        guard let appID = params["app_id"], appID == app.clientID else {
            return .failure(ErrorModel(title: "Error", heading: "Invalid app",
                                       message: "The app does not exist or has not been approved.",
                                       detail: params["app_id"].map { "app_id: \($0)" } ?? "No app_id was given."))
        }
        guard let redirectURI = params["redirect_uri"], app.redirectURIs.contains(redirectURI) else {
            return .failure(ErrorModel(
                title: "Error", heading: "Redirect URL mismatch",
                message: "The redirect_uri does not match any Advertiser redirect URL registered for this app.",
                detail: params["redirect_uri"].map { "redirect_uri: \($0)" } ?? "No redirect_uri was given."))
        }
        let state = params["state"].flatMap { $0.isEmpty ? nil : $0 }
        return .success(Authorization(appID: appID, redirectURI: redirectURI, state: state))
    }
}
