import FastCGI
import Foundation
import GRDB

/// The Criteo emulator: `/criteo/consent/oauth2/authorize` (the consent page, host unverified [I]),
/// `/criteo/api/oauth2/token` (token endpoint), `/criteo/api/{version}/…` (Marketing Solutions API),
/// `/_sandbox/criteo/…` (knobs).
struct CriteoSandbox: SandboxPartner {
    let app: SandboxApp

    /// Criteo's authorization-code flow (partners.md §6.1): no scopes (the consent delegates advertiser
    /// permissions), client credentials in the form body, access tokens of 900 s, and refresh tokens [I] that do
    /// not expire [I] and are rotated on use [I]. Token errors use RFC 6749's `{"error","error_description"}` [I].
    static let oauth = OAuthKit(settings: .init(
        prefix: "criteo", consentTemplate: "criteo-consent", errorTemplate: "criteo-error", brand: "Criteo",
        userID: CriteoSchema.userID, userName: CriteoSchema.userName, scopes: [:], requiredScopes: [], scopeSeparators: [" ", ","],
        accessLifetime: 900, refreshLifetime: nil, rotatesRefreshToken: true, clientAuth: .body, tokenPrefix: "eyJhbGciOiJSUzI1NiJ9."))

    var name: String { "criteo" }
    var templateNames: [String] { ["criteo-consent", "criteo-error"] }

    func registerMigrations(_ migrator: inout DatabaseMigrator) {
        CriteoSchema.registerMigrations(&migrator)
        Self.oauth.registerMigrations(&migrator)
    }
    func seed(_ db: Database, now: Date) throws { try CriteoSchema.seed(db, now: now) }
    func deleteAll(_ db: Database) throws {
        try Self.oauth.deleteAll(db)
        try CriteoSchema.deleteAll(db)
    }

    func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response {
        switch subpath {
        case "/consent/oauth2/authorize": return Self.oauth.consent(request, context: context, app: app)
        case "/api/oauth2/token": return Self.oauth.token(request, context: context, app: app, notes: &notes)
        default:
            let parts = subpath.split(separator: "/")
            guard parts.count >= 3, parts[0] == "api", Self.isVersion(parts[1]) else { return SandboxRouter.notFound(request, context: context) }
            return CriteoAPI.handle(request, subpath: String(subpath.dropFirst("/api".count)), context: context, kit: Self.oauth,
                                    app: app, notes: &notes)
        }
    }

    /// `YYYY-MM`, like `2026-07`.
    static func isVersion(_ text: Substring) -> Bool {
        let p = text.split(separator: "-")
        return p.count == 2 && p[0].count == 4 && p[1].count == 2 && p.allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    func handleKnob(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        CriteoKnobs.handle(request, subpath: subpath, context: context)
    }

    /// An injected fault in Criteo's envelope: the knob's members (`code`, `title`, `detail`, `type`) over a
    /// generic 500 `internal-error`.
    func faultBody(error: JSON?) -> (JSON, Int?) {
        let base = CriteoError.internalError
        var members: [(String, JSON)] = [("type", .string(base.type)), ("code", .string(base.code)), ("title", .string(base.title)),
                                         ("detail", .string(base.detail))]
        if case .object(let given)? = error {
            for (key, value) in given {
                if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
            }
        }
        return (CriteoError.envelope(members), nil)
    }

    func homeSection(context: SandboxContext) throws -> SandboxHomeSection {
        let accounts = try context.store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM criteo_advertisers ORDER BY id").map { row in
                SandboxHomeSection.Account(id: row["id"], name: row["name"], currency: row["currency"],
                                           terms: (row["consented"] as Int) == 1 ? "in consent" : "not in consent", termsURL: "")
            }
        }
        let authorize = "/criteo/consent/oauth2/authorize?response_type=code&client_id=\(URLEncoding.encode(app.clientID))"
            + "&redirect_uri=\(URLEncoding.encode(app.redirectURIs.first ?? ""))&state=demo"
        return SandboxHomeSection(
            title: "Criteo (Marketing Solutions API)",
            people: [.init(id: CriteoSchema.userID, name: CriteoSchema.userName, kind: "person who grants consent")],
            accounts: accounts,
            links: [
                .init(title: "OAuth consent page", href: authorize),
                .init(title: "API base", href: context.configuration.baseURL + "/criteo/api/2026-07/"),
                .init(title: "Emulator state (JSON)", href: "/_sandbox/criteo/state"),
            ])
    }
}
