import FastCGI
import Foundation
import GRDB

/// The Snapchat emulator: `/snapchat/accounts/login/oauth2/…` (consent page and token endpoint, like
/// accounts.snapchat.com), `/snapchat/adsapi/v1/…` (the Marketing API), `/_sandbox/snapchat/…` (knobs).
struct SnapchatSandbox: SandboxPartner {
    let app: SandboxApp

    /// Snap's flavour of the code flow (partners.md §5.1): scope `snapchat-marketing-api`, access tokens of
    /// 1,800 s, refresh tokens that do not expire [I] and are rotated on use [I], client credentials in the body
    /// or as HTTP Basic.
    static let oauth = OAuthKit(settings: .init(
        prefix: "snap", consentTemplate: "snapchat-consent", errorTemplate: "snapchat-error", brand: "Snapchat",
        userID: SnapchatSchema.userID, userName: SnapchatSchema.userName,
        scopes: ["snapchat-marketing-api": "Manage your ad accounts, audiences and campaigns (Snap Marketing API)"],
        requiredScopes: ["snapchat-marketing-api"], scopeSeparators: [" ", ","], accessLifetime: 1800, refreshLifetime: nil,
        rotatesRefreshToken: true, clientAuth: .either, tokenPrefix: "snap-access-"))

    var name: String { "snapchat" }
    var templateNames: [String] { ["snapchat-consent", "snapchat-error"] }

    func registerMigrations(_ migrator: inout DatabaseMigrator) {
        SnapchatSchema.registerMigrations(&migrator)
        Self.oauth.registerMigrations(&migrator)
    }
    func seed(_ db: Database, now: Date) throws { try SnapchatSchema.seed(db, now: now) }
    func deleteAll(_ db: Database) throws {
        try Self.oauth.deleteAll(db)
        try SnapchatSchema.deleteAll(db)
    }

    func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response {
        switch subpath {
        case "/accounts/login/oauth2/authorize": return Self.oauth.consent(request, context: context, app: app)
        case "/accounts/login/oauth2/access_token": return Self.oauth.token(request, context: context, app: app, notes: &notes)
        default:
            guard subpath.hasPrefix("/adsapi/v1/") else { return SandboxRouter.notFound(request, context: context) }
            return SnapchatAPI.handle(request, subpath: String(subpath.dropFirst("/adsapi/v1".count)), context: context, kit: Self.oauth,
                                      app: app, notes: &notes)
        }
    }

    func handleKnob(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        SnapchatKnobs.handle(request, subpath: subpath, context: context, app: app)
    }

    /// An injected fault in Snap's envelope: the knob's `error` members over a generic 500 (`E9999`).
    func faultBody(error: JSON?) -> (JSON, Int?) {
        guard case .object(let given)? = error, case .object(var members) = SnapError.internalError.json else {
            return (SnapError.internalError.json, SnapError.internalError.number)
        }
        for (key, value) in given {
            if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
        }
        let code = members.first { $0.0 == "error_code" }?.1.stringValue.flatMap { Int($0.drop { !$0.isNumber }) }
        return (.object(members), code)
    }

    func homeSection(context: SandboxContext) throws -> SandboxHomeSection {
        let accounts = try context.store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM snap_ad_accounts ORDER BY id").map { row in
                // Snap has no custom-audience terms; the column shows the account's status instead.
                let status: String = row["status"]
                return SandboxHomeSection.Account(id: row["id"], name: row["name"], currency: row["currency"], terms: "none (account \(status))",
                                                  termsURL: "/_sandbox/snapchat/state")
            }
        }
        let authorize = "/snapchat/accounts/login/oauth2/authorize?response_type=code&client_id=\(URLEncoding.encode(app.clientID))"
            + "&redirect_uri=\(URLEncoding.encode(app.redirectURIs.first ?? ""))&scope=snapchat-marketing-api&state=demo"
        return SandboxHomeSection(
            title: "Snapchat (Snap Marketing API)",
            people: [.init(id: SnapchatSchema.userID, name: SnapchatSchema.userName, kind: "person who logs in")],
            accounts: accounts,
            links: [
                .init(title: "OAuth consent page", href: authorize),
                .init(title: "Marketing API base", href: context.configuration.baseURL + "/snapchat/adsapi/v1/"),
                .init(title: "Emulator state (JSON)", href: "/_sandbox/snapchat/state"),
            ])
    }
}
