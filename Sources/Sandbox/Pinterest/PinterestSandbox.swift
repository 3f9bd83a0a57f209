import FastCGI
import Foundation
import GRDB

/// The Pinterest emulator: `/pinterest/www/oauth/` (consent page, like www.pinterest.com/oauth/),
/// `/pinterest/api/v5/oauth/token` (token endpoint, HTTP Basic client auth), `/pinterest/api/v5/…` (API v5),
/// `/_sandbox/pinterest/…` (knobs).
struct PinterestSandbox: SandboxPartner {
    let app: SandboxApp

    /// Pinterest's flavour of the code flow (partners.md §4.1): comma-separated scopes, `ads:read` and
    /// `ads:write` required; client credentials only as HTTP Basic; access tokens of 30 days [I: "commonly 30
    /// days"]; "continuous refresh" tokens of 60 days, renewed on every refresh (a new refresh token each time,
    /// the old one retired) [I: rotation]. Token errors use RFC 6749's `{"error","error_description"}` [I].
    static let oauth = OAuthKit(settings: .init(
        prefix: "pin", consentTemplate: "pinterest-consent", errorTemplate: "pinterest-error", brand: "Pinterest",
        userID: PinterestSchema.userID, userName: PinterestSchema.userName,
        scopes: [
            "ads:read": "See your advertising data, including ads, ad groups, campaigns and audiences",
            "ads:write": "Create, update or delete ads, ad groups, campaigns and audiences",
            "user_accounts:read": "See your user account and follower information",
            "biz_access:read": "See audiences shared with your business",
        ],
        requiredScopes: ["ads:read", "ads:write"], scopeSeparators: [","], accessLifetime: 30 * 86_400, refreshLifetime: 60 * 86_400,
        rotatesRefreshToken: true, clientAuth: .basic, tokenPrefix: "pina_",
        extraAnswer: { refreshExpires, now in
            var extra: [(String, JSON)] = [("response_type", .string("authorization_code"))]
            if let refreshExpires {
                extra.append(("refresh_token_expires_in", .int(Int(refreshExpires.timeIntervalSince(now)))))
                extra.append(("refresh_token_expires_at", .int(Int(refreshExpires.timeIntervalSince1970))))
            }
            return extra
        }))

    var name: String { "pinterest" }
    var templateNames: [String] { ["pinterest-consent", "pinterest-error"] }

    func registerMigrations(_ migrator: inout DatabaseMigrator) {
        PinterestSchema.registerMigrations(&migrator)
        Self.oauth.registerMigrations(&migrator)
    }
    func seed(_ db: Database, now: Date) throws { try PinterestSchema.seed(db, now: now) }
    func deleteAll(_ db: Database) throws {
        try Self.oauth.deleteAll(db)
        try PinterestSchema.deleteAll(db)
    }

    func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response {
        switch subpath {
        case "/www/oauth/", "/www/oauth": return Self.oauth.consent(request, context: context, app: app)
        case "/api/v5/oauth/token": return Self.oauth.token(request, context: context, app: app, notes: &notes)
        default:
            guard subpath.hasPrefix("/api/v5/") else { return SandboxRouter.notFound(request, context: context) }
            return PinterestAPI.handle(request, subpath: String(subpath.dropFirst("/api/v5".count)), context: context, kit: Self.oauth,
                                       app: app, notes: &notes)
        }
    }

    func handleKnob(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        PinterestKnobs.handle(request, subpath: subpath, context: context)
    }

    /// An injected fault in Pinterest's envelope: the knob's `code`/`message` over a generic 500 (code 7).
    func faultBody(error: JSON?) -> (JSON, Int?) {
        let base = PinError.internalError
        let code = error?["code"]?.intValue ?? base.code
        let message = error?["message"]?.stringValue ?? base.message
        return (.object([("code", .int(code)), ("message", .string(message))]), code)
    }

    func homeSection(context: SandboxContext) throws -> SandboxHomeSection {
        let accounts = try context.store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM pin_ad_accounts ORDER BY id").map { row in
                SandboxHomeSection.Account(id: row["id"], name: row["name"], currency: row["currency"], terms: row["permissions"], termsURL: "")
            }
        }
        let authorize = "/pinterest/www/oauth/?response_type=code&client_id=\(URLEncoding.encode(app.clientID))"
            + "&redirect_uri=\(URLEncoding.encode(app.redirectURIs.first ?? ""))&scope=ads:read,ads:write&state=demo"
        return SandboxHomeSection(
            title: "Pinterest (API v5)",
            people: [.init(id: PinterestSchema.userID, name: PinterestSchema.userName, kind: "person who logs in")],
            accounts: accounts,
            links: [
                .init(title: "OAuth consent page", href: authorize),
                .init(title: "API v5 base", href: context.configuration.baseURL + "/pinterest/api/v5/"),
                .init(title: "Emulator state (JSON)", href: "/_sandbox/pinterest/state"),
            ])
    }
}
