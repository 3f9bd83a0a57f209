import FastCGI
import Foundation
import GRDB

/// Facebook's browser pages ("www" and Business Manager): the OAuth dialog, the Custom Audience terms page
/// and the system-user token page. The person at the keyboard is always the seeded Demo User.
enum FacebookWWW {
    static let termsPath = "/facebook/www/ads/manage/customaudiences/tos/"
    static let systemUsersPath = "/facebook/www/business/settings/system-users"

    /// Answers a request under `/facebook/www`; `subpath` starts after `/www`.
    static func handle(_ request: Request, subpath: String, context: SandboxContext, app: SandboxApp) -> Response {
        var components = subpath.split(separator: "/").map(String.init)
        if let first = components.first, FacebookGraph.isVersion(first) { components.removeFirst() }
        switch components {
        case ["dialog", "oauth"]:
            return FacebookOAuth.dialog(request, context: context, app: app)
        case ["ads", "manage", "customaudiences", "tos"]:
            return terms(request, context: context)
        case ["business", "settings", "system-users"]:
            return systemUsers(request, context: context)
        case ["adsmanager", "audiences"]:
            return adsManager(request, context: context)
        default:
            return SandboxRouter.notFound(request, context: context)
        }
    }

    // MARK: Ads Manager's audiences list (linked from AudienceSync's export emails)

    private struct AdsManagerModel {
        struct Audience { let id: String; let name: String; let members: Int; let description: String }
        let title: String
        let accountID: String
        let accountName: String
        let audiences: [Audience]
        let hasAudiences: Bool
    }

    /// `GET /facebook/www/adsmanager/audiences?act=<id>`: the account's live custom audiences and their sizes.
    private static func adsManager(_ request: Request, context: SandboxContext) -> Response {
        let actText = request.query["act"] ?? ""
        guard let accountID = Int(actText.hasPrefix("act_") ? String(actText.dropFirst(4)) : actText) else {
            return context.pages.render("facebook-error", MessageModel(
                title: "Error", heading: "Ad account missing", message: "Open this page with ?act=<ad account id>.", detail: nil), status: 400)
        }
        do {
            let model: AdsManagerModel? = try context.store.read { db in
                guard let name = try String.fetchOne(db, sql: "SELECT name FROM fb_ad_accounts WHERE id = ?", arguments: [accountID]) else { return nil }
                let audiences = try Row.fetchAll(db, sql: "SELECT id, name, member_count, description FROM fb_audiences WHERE account_id = ? AND deleted = 0 ORDER BY id DESC",
                                                 arguments: [accountID]).map { row in
                    AdsManagerModel.Audience(id: String(row["id"] as Int64), name: row["name"], members: row["member_count"], description: row["description"])
                }
                return AdsManagerModel(title: "Audiences — Ads Manager", accountID: String(accountID), accountName: name, audiences: audiences,
                                       hasAudiences: !audiences.isEmpty)
            }
            guard let model else {
                return context.pages.render("facebook-error", MessageModel(title: "Error", heading: "Unknown ad account",
                                                                           message: "There is no ad account act_\(accountID).", detail: nil), status: 404)
            }
            return context.pages.render("facebook-adsmanager", model)
        } catch {
            return Response.text("sandbox database error", status: 500)
        }
    }

    // MARK: Custom Audience terms

    private struct TermsModel {
        let title: String
        let accountID: String
        let accountName: String
        let businessName: String?
        let accepted: Bool
        let action: String
    }

    private struct MessageModel {
        let title: String
        let heading: String
        let message: String
        let detail: String?
    }

    /// `GET|POST /facebook/www/ads/manage/customaudiences/tos/?act=<id>`.
    private static func terms(_ request: Request, context: SandboxContext) -> Response {
        let actText = request.method == "POST" ? (request.form["act"] ?? request.query["act"]) : request.query["act"]
        guard let actText, let accountID = Int(actText.hasPrefix("act_") ? String(actText.dropFirst(4)) : actText) else {
            return context.pages.render("facebook-error", MessageModel(
                title: "Error", heading: "Ad account missing", message: "Open this page with ?act=<ad account id>.", detail: nil), status: 400)
        }
        do {
            if request.method == "POST" {
                let changed = try context.store.write { db in
                    try db.execute(sql: """
                        UPDATE fb_ad_accounts SET tos_accepted = 1
                        WHERE id = ? AND id IN (SELECT account_id FROM fb_account_access WHERE user_id = ?)
                        """, arguments: [accountID, FacebookSchema.demoUserID])
                    return db.changesCount
                }
                if changed == 1 {
                    return Response.redirect(to: context.configuration.baseURL + termsPath + "?act=\(accountID)")
                }
            } else if request.method != "GET" && request.method != "HEAD" {
                return SandboxRouter.notFound(request, context: context)
            }
            let row = try context.store.read { db in
                try FacebookAdAccounts.reachable(db, userID: FacebookSchema.demoUserID, accountID: accountID)
            }
            guard let row else {
                return context.pages.render("facebook-error", MessageModel(
                    title: "Error", heading: "Ad account not found",
                    message: "This ad account does not exist or Demo User cannot manage it.", detail: "act_\(accountID)"), status: 404)
            }
            let accepted: Int = row["tos_accepted"]
            let model = TermsModel(
                title: "Custom Audience Terms", accountID: String(accountID), accountName: row["name"],
                businessName: row["business_name"], accepted: accepted == 1, action: termsPath + "?act=\(accountID)")
            return context.pages.render("facebook-tos", model)
        } catch {
            return Knob.storeFailure(error)
        }
    }

    // MARK: Business settings: system users

    private struct SystemUsersModel {
        struct Account { let id: String; let name: String }
        let title: String
        let businessName: String
        let userName: String
        let userID: String
        let accounts: [Account]
        let activeTokens: Int
        let newToken: String?
        let action: String
    }

    /// `GET|POST /facebook/www/business/settings/system-users`: POST issues a non-expiring system-user
    /// token (scope ads_management) and shows it once.
    private static func systemUsers(_ request: Request, context: SandboxContext) -> Response {
        guard ["GET", "HEAD", "POST"].contains(request.method) else { return SandboxRouter.notFound(request, context: context) }
        do {
            let (newToken, accounts, active) = try context.store.write { db in
                var issued: String?
                if request.method == "POST" {
                    issued = try FacebookTokens.issue(
                        db, kind: .systemUser, userID: FacebookSchema.systemUserID, appID: context.configuration.facebookApp.clientID,
                        scopes: ["ads_management"], now: context.store.now(db)).value
                }
                let accounts = try Row.fetchAll(db, sql: """
                    SELECT a.id, a.name FROM fb_ad_accounts a JOIN fb_account_access x ON x.account_id = a.id
                    WHERE x.user_id = ? ORDER BY a.id
                    """, arguments: [FacebookSchema.systemUserID]).map { row in
                    let id: Int = row["id"]
                    return SystemUsersModel.Account(id: "act_\(id)", name: row["name"])
                }
                let active = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fb_tokens WHERE user_id = ? AND revoked = 0",
                                              arguments: [FacebookSchema.systemUserID]) ?? 0
                return (issued, accounts, active)
            }
            let model = SystemUsersModel(
                title: "Business settings · System users", businessName: FacebookSchema.businessName,
                userName: FacebookSchema.systemUserName, userID: FacebookSchema.systemUserID, accounts: accounts,
                activeTokens: active, newToken: newToken, action: systemUsersPath)
            return context.pages.render("facebook-system-users", model)
        } catch {
            return Knob.storeFailure(error)
        }
    }
}
