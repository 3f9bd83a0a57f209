import FastCGI
import Foundation
import GRDB

/// The Google emulator (partners.md §3, §3b): the OAuth consent page and token endpoint under `/google/accounts/…` and
/// `/google/oauth2/…`, the Google Ads API under `/google/googleads/v22/…` (customers, user lists) and the Data Manager
/// API under `/google/datamanager/v1/…` (audience members), knobs under `/_sandbox/google/…`.
struct GoogleSandbox: SandboxPartner {
    let app: SandboxApp

    var name: String { "google" }
    var templateNames: [String] { ["google-consent", "google-error"] }

    /// The version prefixes the emulated APIs answer under.
    static let adsPrefix = "/googleads/v22/"
    static let dataManagerPrefix = "/datamanager/v1/"

    func registerMigrations(_ migrator: inout DatabaseMigrator) { GoogleSchema.registerMigrations(&migrator) }
    func seed(_ db: Database, now: Date) throws { try GoogleSchema.seed(db, now: now) }
    func deleteAll(_ db: Database) throws { try GoogleSchema.deleteAll(db) }

    func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response {
        switch subpath {
        case "/accounts/o/oauth2/v2/auth": return GoogleOAuth.consent(request, context: context, app: app)
        case "/oauth2/token": return GoogleTokenEndpoint.token(request, context: context, app: app, notes: &notes)
        case "/oauth2/tokeninfo": return GoogleTokenEndpoint.tokenInfo(request, context: context, app: app, notes: &notes)
        default: break
        }
        for (prefix, api) in [(Self.adsPrefix, GoogleAdsAPI.handle), (Self.dataManagerPrefix, GoogleIngestion.handle)] where subpath.hasPrefix(prefix) {
            GoogleAPI.recordHeaders(request, store: context.store)
            let path = subpath.dropFirst(prefix.count).split(separator: "/").map(String.init)
            return api(GoogleCall(request: request, path: path, context: context, app: app), &notes)
        }
        return SandboxRouter.notFound(request, context: context)
    }

    func handleKnob(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        GoogleKnobs.handle(request, subpath: subpath, context: context)
    }

    /// An injected fault in `google.rpc.Status` form: the knob's `error` members as they are (`code`, `status`,
    /// `message`, `details`), or 500 `INTERNAL`.
    func faultBody(error: JSON?) -> (JSON, Int?) {
        guard case .object(var members)? = error else {
            let e = GoogleStatusError.internalError
            return (e.json, e.code)
        }
        if !members.contains(where: { $0.0 == "message" }) { members.append(("message", .string("Injected fault."))) }
        return (.object([("error", .object(members))]), members.first { $0.0 == "code" }?.1.intValue)
    }

    func homeSection(context: SandboxContext) throws -> SandboxHomeSection {
        let accounts = try context.store.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM google_customers ORDER BY id").map { row in
                let manager: Int = row["manager"]
                let status: String = row["status"]
                return SandboxHomeSection.Account(id: row["id"], name: row["name"], currency: row["currency"],
                                                  terms: manager == 1 ? "manager account" : status, termsURL: "")
            }
        }
        let query = [("client_id", app.clientID), ("redirect_uri", app.redirectURIs.first ?? ""), ("response_type", "code"),
                     ("scope", GoogleTokens.adwordsScope + " " + GoogleTokens.dataManagerScope), ("access_type", "offline")]
            .map { URLEncoding.encode($0.0) + "=" + URLEncoding.encode($0.1) }.joined(separator: "&")
        return SandboxHomeSection(
            title: "Google (Google Ads API v22 + Data Manager API v1)",
            people: [.init(id: GoogleSchema.demoUserID, name: GoogleSchema.demoUserName, kind: "Google Account that signs in")],
            accounts: accounts,
            links: [
                .init(title: "OAuth consent page", href: "/google/accounts/o/oauth2/v2/auth?" + query),
                .init(title: "Emulator state (JSON)", href: "/_sandbox/google/state"),
            ])
    }
}
