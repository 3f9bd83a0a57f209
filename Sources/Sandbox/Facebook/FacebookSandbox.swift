import FastCGI
import Foundation
import GRDB

/// The Facebook (Meta) emulator: `/facebook/www/…` for browser pages, `/facebook/graph/v{N}/…` for the
/// Graph API, `/_sandbox/facebook/…` for knobs.
struct FacebookSandbox: SandboxPartner {
    let app: SandboxApp

    var name: String { "facebook" }
    var templateNames: [String] { ["facebook-consent", "facebook-error", "facebook-tos", "facebook-system-users", "facebook-adsmanager"] }

    func registerMigrations(_ migrator: inout DatabaseMigrator) { FacebookSchema.registerMigrations(&migrator) }
    func seed(_ db: Database, now: Date) throws { try FacebookSchema.seed(db, now: now) }
    func deleteAll(_ db: Database) throws { try FacebookSchema.deleteAll(db) }

    func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response {
        if subpath == "/graph" || subpath.hasPrefix("/graph/") {
            return FacebookGraph.handle(request, subpath: String(subpath.dropFirst("/graph".count)), context: context, app: app, notes: &notes)
        }
        if subpath.hasPrefix("/www/") {
            return FacebookWWW.handle(request, subpath: String(subpath.dropFirst("/www".count)), context: context, app: app)
        }
        return SandboxRouter.notFound(request, context: context)
    }

    func handleKnob(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        FacebookKnobs.handle(request, subpath: subpath, context: context)
    }

    /// An injected fault in Graph's envelope: the knob's `error` members (a fresh `fbtrace_id` added), or
    /// Graph's generic "unexpected error" (code 2).
    func faultBody(error: JSON?) -> (JSON, Int?) {
        guard case .object(var members)? = error else {
            let e = GraphError.unexpected
            return (e.json, e.code)
        }
        if !members.contains(where: { $0.0 == "fbtrace_id" }) { members.append(("fbtrace_id", .string(FacebookIDs.traceID()))) }
        let code = members.first { $0.0 == "code" }?.1.intValue
        return (.object([("error", .object(members))]), code)
    }

    func homeSection(context: SandboxContext) throws -> SandboxHomeSection {
        let base = context.configuration.baseURL
        let accounts = try context.store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.* FROM fb_ad_accounts a JOIN fb_account_access x ON x.account_id = a.id
                WHERE x.user_id = ? ORDER BY a.id LIMIT 20
                """, arguments: [FacebookSchema.demoUserID]).map { row in
                let id: Int = row["id"]
                let tos: Int = row["tos_accepted"]
                return SandboxHomeSection.Account(
                    id: "act_\(id)", name: row["name"], currency: row["currency"], terms: tos == 1 ? "accepted" : "not accepted",
                    termsURL: FacebookWWW.termsPath + "?act=\(id)")
            }
        }
        return SandboxHomeSection(
            title: "Facebook (Meta Marketing API)",
            people: [
                .init(id: FacebookSchema.demoUserID, name: FacebookSchema.demoUserName, kind: "person who logs in"),
                .init(id: FacebookSchema.systemUserID, name: FacebookSchema.systemUserName, kind: "Business Manager system user"),
            ],
            accounts: accounts,
            links: [
                .init(title: "Business settings · System users (generate a token)", href: FacebookWWW.systemUsersPath),
                .init(title: "OAuth dialog (Graph v25.0)", href: "/facebook/www/v25.0/dialog/oauth?client_id=\(URLEncoding.encode(app.clientID))&redirect_uri=\(URLEncoding.encode(app.redirectURIs.first ?? ""))&scope=ads_management"),
                .init(title: "Graph API base", href: base + "/facebook/graph/v25.0/"),
                .init(title: "Emulator state (JSON)", href: "/_sandbox/facebook/state"),
            ])
    }
}
