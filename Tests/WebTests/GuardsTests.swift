import Core
import FastCGI
import Foundation
import Storage
import TestSupport
import Testing

/// CSRF, roles and workspace isolation, over every state-changing route.
@Suite struct GuardsTests {
    let test: TestApp
    let accountID: Int64

    /// Every state-changing route of the dashboard (SiteRoute's non-GET entries).
    static let stateChanging = ["/signout", "/partners/facebook/connect", "/partners/facebook/accounts", "/partners/facebook/token",
                                "/partners/facebook/check", "/partners/facebook/disconnect", "/partners/facebook/accounts/1/remove",
                                "/settings/api-keys", "/settings/api-keys/1/revoke"]

    init() throws {
        test = try TestApp()
        let admin = try test.createUser(workspace: "A", email: "admin@a.test")
        try test.createUser(workspace: "A", email: "member@a.test", role: .member)
        try test.createUser(workspace: "B", email: "admin@b.test")
        // Workspace A has a Facebook connection with one ad account, made directly in the store.
        let connection = try test.store.saveConnection(
            NewConnection(workspaceID: admin.workspaceID, partner: .facebook, tokenKind: .systemUser, sealedToken: [1, 2, 3, 4],
                          expiresAt: nil, partnerUserName: "A's system user", connectedBy: admin.id), now: test.clock.now)
        try test.store.selectAdAccounts(connectionID: connection.id, accounts: [
            RemoteAdAccount(externalID: "act_777", name: "A's secret account", currency: "USD", isActive: true, termsAccepted: true),
        ], now: test.clock.now)
        accountID = try test.store.adAccounts(connectionID: connection.id)[0].id
    }

    @Test(arguments: stateChanging)
    func refusesStateChangesWithoutAValidTokenOrFromAnotherSite(path: String) throws {
        let browser = test.browser()
        browser.signIn("admin@a.test")
        browser.get("/partners/facebook")
        let path = path.replacingOccurrences(of: "/accounts/1/", with: "/accounts/\(accountID)/")
        #expect(browser.post(path, csrf: "").status == 403)
        #expect(browser.post(path, csrf: "wrong-token-wrong-token-wrong-token-wrong").status == 403)
        #expect(browser.post(path, headers: ["sec-fetch-site": "cross-site"]).status == 403)
        #expect(browser.post(path, headers: ["origin": "https://evil.example"]).status == 403)
        // Nothing changed, and the session still works.
        #expect(try test.store.adAccounts(connectionID: 1).count == 1)
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) != nil)
        #expect(browser.get("/partners").status == 200)
    }

    @Test func pageViewsNeverWriteToTheDatabase() throws {
        let browser = test.browser()
        browser.signIn("admin@a.test")
        let before = try fingerprint()
        for path in ["/", "/partners", "/partners/facebook", "/partners/google", "/partners/tiktok", "/signin", "/healthz", "/missing",
                     "/settings/api-keys"] {
            _ = browser.get(path)
            _ = test.browser().get(path)
        }
        #expect(try fingerprint() == before)
    }

    @Test func membersSeeConnectionsButCannotChangeThem() throws {
        let member = test.browser()
        member.signIn("member@a.test")
        let page = member.get("/partners/facebook")
        #expect(page.status == 200 && page.text.contains("A&#39;s secret account") || page.text.contains("A's secret account"))
        #expect(!page.text.contains("Disconnect Facebook"))
        #expect(member.post("/partners/facebook/disconnect").status == 403)
        #expect(member.post("/partners/facebook/accounts/\(accountID)/remove").status == 403)
        #expect(member.get("/partners/facebook/accounts").status == 403)
        #expect(try test.store.adAccounts(connectionID: 1).count == 1)
    }

    @Test func anotherWorkspaceCannotSeeOrChangeTheConnection() throws {
        let other = test.browser()
        other.signIn("admin@b.test")
        let page = other.get("/partners/facebook").text
        #expect(!page.contains("secret account") && !page.contains("A&#39;s system user") && page.contains("Connect Facebook"))
        #expect(!other.get("/partners").text.contains("Connected"))
        #expect(other.post("/partners/facebook/accounts/\(accountID)/remove").status == 404)
        #expect(other.post("/partners/facebook/disconnect").status == 404)
        #expect(try test.store.adAccounts(connectionID: 1).count == 1)
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) != nil)
    }

    @Test func partnerTextIsEscaped() throws {
        try test.store.recordConnectionHealth(connectionID: 1, status: .invalid, message: "<script>alert(1)</script>", expiresAt: nil,
                                              partnerUserName: "<img src=x onerror=alert(2)>", now: test.clock.now)
        let browser = test.browser()
        browser.signIn("admin@a.test")
        let page = browser.get("/partners/facebook").text
        #expect(!page.contains("<script>alert(1)") && page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!page.contains("<img src=x"))
    }

    @Test func aProPartnerThatIsNotEnabledIsRefusedBeforeAnyConsentRedirect() throws {
        let browser = test.browser()
        browser.signIn("admin@a.test")
        browser.get("/partners/linkedin")
        let refused = browser.post("/partners/linkedin/connect")
        #expect(refused.status == 403 && refused.header("Location") == nil)
        #expect(try test.store.connection(workspaceID: 1, partner: .linkedin) == nil)
    }

    /// The database file and its WAL, byte for byte: any committed write changes one of them.
    private func fingerprint() throws -> [Data?] {
        ["", "-wal"].map { FileManager.default.contents(atPath: test.databasePath + $0) }
    }
}

@Suite struct ExpiryWarningTests {
    @Test func warnsTwoWeeksBeforeATokenExpiresAndAfter() throws {
        let test = try TestApp()
        let admin = try test.createUser(workspace: "A", email: "admin@a.test")
        _ = try test.store.saveConnection(
            NewConnection(workspaceID: admin.workspaceID, partner: .facebook, tokenKind: .oauth, sealedToken: [1],
                          expiresAt: test.clock.now.addingTimeInterval(20 * 86_400), partnerUserName: "Demo User", connectedBy: admin.id),
            now: test.clock.now)
        let browser = test.browser()
        browser.signIn("admin@a.test")
        #expect(!browser.get("/partners/facebook").text.contains("Reconnect before then"))
        test.clock.advance(7 * 86_400 - 3600)   // 13 days and an hour left
        browser.signIn("admin@a.test")   // the session itself ended long ago
        #expect(browser.get("/partners/facebook").text.contains("The token expires in 13 days. Reconnect before then"))
        test.clock.advance(14 * 86_400)
        browser.signIn("admin@a.test")
        #expect(browser.get("/partners/facebook").text.contains("The token has expired."))
    }
}
