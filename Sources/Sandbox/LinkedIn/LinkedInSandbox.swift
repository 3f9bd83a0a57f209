import FastCGI
import Foundation
import GRDB

/// The LinkedIn emulator: `/linkedin/www/oauth/v2/…` (consent page, token endpoint, introspection),
/// `/linkedin/api/rest/…` (the Marketing API), `/_sandbox/linkedin/…` (knobs).
struct LinkedInSandbox: SandboxPartner {
    let app: SandboxApp

    var name: String { "linkedin" }
    var templateNames: [String] { ["linkedin-consent", "linkedin-error"] }

    func registerMigrations(_ migrator: inout DatabaseMigrator) { LinkedInSchema.registerMigrations(&migrator) }
    func seed(_ db: Database, now: Date) throws { try LinkedInSchema.seed(db, now: now) }
    func deleteAll(_ db: Database) throws { try LinkedInSchema.deleteAll(db) }

    func handle(_ request: Request, subpath: String, context: SandboxContext, notes: inout RequestNotes) -> Response {
        switch subpath {
        case "/www/oauth/v2/authorization": return LinkedInOAuth.dialog(request, context: context, app: app)
        case "/www/oauth/v2/accessToken": return LinkedInOAuth.accessToken(request, context: context, app: app)
        case "/www/oauth/v2/introspectToken": return LinkedInOAuth.introspect(request, context: context, app: app)
        default: break
        }
        if subpath.hasPrefix("/api/rest/") {
            return LinkedInAPI.handle(request, subpath: String(subpath.dropFirst("/api/rest".count)), context: context, notes: &notes)
        }
        return SandboxRouter.notFound(request, context: context)
    }

    func handleKnob(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        LinkedInKnobs.handle(request, subpath: subpath, context: context)
    }

    /// An injected fault in LinkedIn's envelope: the knob's `error` members (`status`, `code`, `message`,
    /// `serviceErrorCode`), or a generic 500.
    func faultBody(error: JSON?) -> (JSON, Int?) {
        guard case .object(let members)? = error else {
            let e = LinkedInError.internalError
            return (e.json, e.serviceErrorCode)
        }
        return (.object(members), members.first { $0.0 == "serviceErrorCode" }?.1.intValue)
    }

    func homeSection(context: SandboxContext) throws -> SandboxHomeSection {
        let accounts = try context.store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.*, u.role FROM li_ad_accounts a JOIN li_account_users u ON u.account_id = a.id WHERE u.member_id = ? ORDER BY a.id
                """, arguments: [LinkedInSchema.demoMemberID]).map { row in
                let id: Int64 = row["id"]
                return SandboxHomeSection.Account(id: "urn:li:sponsoredAccount:\(id)", name: row["name"], currency: row["currency"],
                                                  terms: "role " + (row["role"] as String), termsURL: "")
            }
        }
        let consent = "/linkedin/www/oauth/v2/authorization?response_type=code&client_id=\(URLEncoding.encode(app.clientID))"
            + "&redirect_uri=\(URLEncoding.encode(app.redirectURIs.first ?? ""))&scope=r_basicprofile%20r_ads%20rw_dmp_segments&state=demo"
        return SandboxHomeSection(
            title: "LinkedIn (Marketing API, DMP segments)",
            people: [.init(id: "urn:li:person:" + LinkedInSchema.demoMemberID, name: LinkedInSchema.demoMemberName, kind: "member who signs in")],
            accounts: accounts,
            links: [.init(title: "OAuth consent page", href: consent),
                    .init(title: "REST API base", href: context.configuration.baseURL + "/linkedin/api/rest/"),
                    .init(title: "Emulator state (JSON)", href: "/_sandbox/linkedin/state")])
    }
}
