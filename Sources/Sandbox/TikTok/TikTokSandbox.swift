import FastCGI
import Foundation
import GRDB

/// The TikTok (API for Business) emulator: `/tiktok/portal/auth` for the consent page,
/// `/tiktok/open_api/v1.3/…` for the Marketing API, `/_sandbox/tiktok/…` for knobs.
struct TikTokSandbox: SandboxPartner {
    let app: SandboxApp

    var name: String { "tiktok" }
    var templateNames: [String] { ["tiktok-consent", "tiktok-error"] }

    func registerMigrations(_ migrator: inout DatabaseMigrator) { TikTokSchema.registerMigrations(&migrator) }
    func seed(_ db: Database, now: Date) throws { try TikTokSchema.seed(db, now: now) }
    func deleteAll(_ db: Database) throws { try TikTokSchema.deleteAll(db) }

    func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response {
        if subpath == TikTokPortal.path || subpath == TikTokPortal.path + "/" {
            return TikTokPortal.handle(request, context: context, app: app)
        }
        if subpath.hasPrefix("/open_api/") {
            return TikTokAPI.handle(request, subpath: String(subpath.dropFirst("/open_api".count)), context: context, app: app, notes: &notes)
        }
        return SandboxRouter.notFound(request, context: context)
    }

    func handleKnob(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        TikTokKnobs.handle(request, subpath: subpath, context: context)
    }

    /// An injected fault in TikTok's envelope: the knob's `code` and `message` (a fresh `request_id`), or
    /// TikTok's system error 50000. Use `"status":200` on the fault for TikTok's usual HTTP 200 errors.
    func faultBody(error: JSON?) -> (JSON, Int?) {
        let code = error?["code"]?.intValue ?? TikTokAPIError.system.code
        let message = error?["message"]?.stringValue ?? TikTokAPIError.system.message
        return (TikTokEnvelope.json(code: code, message: message, data: error?["data"] ?? .object([])), code)
    }

    func homeSection(context: SandboxContext) throws -> SandboxHomeSection {
        let accounts = try context.store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.* FROM tt_advertisers a JOIN tt_access x ON x.advertiser_id = a.id WHERE x.user_id = ? ORDER BY a.id
                """, arguments: [TikTokSchema.demoUserID]).map { row in
                let status: String = row["status"]
                return SandboxHomeSection.Account(id: row["id"], name: row["name"], currency: row["currency"],
                                                  terms: status == "STATUS_ENABLE" ? "enabled" : "disabled", termsURL: "")
            }
        }
        let authorize = "/tiktok/portal/auth?app_id=\(URLEncoding.encode(app.clientID))&state=demo&redirect_uri=\(URLEncoding.encode(app.redirectURIs.first ?? ""))"
        return SandboxHomeSection(
            title: "TikTok (API for Business)",
            people: [.init(id: TikTokSchema.demoUserID, name: TikTokSchema.demoUserName, kind: "person who authorizes")],
            accounts: accounts,
            links: [
                .init(title: "Authorization page", href: authorize),
                .init(title: "Marketing API base", href: context.configuration.baseURL + "/tiktok/open_api/v1.3/"),
                .init(title: "Emulator state (JSON)", href: "/_sandbox/tiktok/state"),
            ])
    }
}
