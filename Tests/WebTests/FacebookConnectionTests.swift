import Core
import FastCGI
import Foundation
import TestSupport
import Testing

/// Connecting Facebook through the responder, against the real sandbox over HTTP.
@Suite struct FacebookConnectionTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
    }

    /// Signs in (unless `signIn` is false), presses Connect, and answers the consent page; returns the callback URL.
    func consent(_ browser: TestBrowser, decision: String = "accept", signIn: Bool = true) throws -> String {
        if signIn { browser.signIn("admin@acme.test") }
        browser.get("/partners/facebook")
        let location = try #require(browser.post("/partners/facebook/connect").header("Location"))
        return try partner.consent(authorizationURL: location, decision: decision)
    }

    /// Signs in, connects through the consent page, and delivers the callback.
    func connect(_ browser: TestBrowser) throws -> Response {
        let callback = try consent(browser)
        return browser.get(path(of: callback), query: queryPairs(of: callback))
    }

    @Test func connectChooseAccountsSeeHealthAndDisconnect() throws {
        let browser = test.browser()
        let callback = try connect(browser)
        #expect(callback.status == 303)
        #expect(callback.header("Location") == "/partners/facebook/accounts?notice=connected")
        #expect(callback.header("Referrer-Policy") == "no-referrer")

        let chooser = browser.get("/partners/facebook/accounts")
        #expect(chooser.status == 200)
        for name in ["Demo Retail — US", "Demo Retail — EU", "Demo Brand — Terms pending"] { #expect(chooser.text.contains(name)) }

        let saved = browser.post("/partners/facebook/accounts", [("account", "act_1001"), ("account", "act_1003")])
        #expect(saved.header("Location") == "/partners/facebook?notice=accounts-saved")
        let page = browser.get("/partners/facebook").text
        #expect(page.contains("Token valid"))
        #expect(page.contains("Demo User"))
        #expect(page.contains("Demo Retail — US") && page.contains("Demo Brand — Terms pending") && !page.contains("Demo Retail — EU"))
        #expect(page.contains("Not accepted"))
        #expect(page.contains("/facebook/www/ads/manage/customaudiences/tos/?act=1003"))
        #expect(page.contains("days)"))   // the expiry date of a long-lived token, about 60 days out

        // The token the sandbox issued appears nowhere we show or store in clear.
        let tokens = try partner.issuedTokens()
        #expect(!tokens.isEmpty)
        let database = try rawDatabase()
        for token in tokens {
            #expect(!page.contains(token) && !chooser.text.contains(token))
            #expect(!database.contains(token))
        }

        let accountID = try #require(test.store.connection(workspaceID: 1, partner: .facebook).map { try test.store.adAccounts(connectionID: $0.id) }?
            .first { $0.externalID == "act_1003" }?.id)
        #expect(browser.postConfirmed("/partners/facebook/accounts/\(accountID)/remove").header("Location") == "/partners/facebook?notice=account-removed")
        #expect(!browser.get("/partners/facebook").text.contains("Terms pending"))

        #expect(browser.postConfirmed("/partners/facebook/disconnect").header("Location") == "/partners/facebook?notice=disconnected")
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) == nil)
        #expect(browser.get("/partners/facebook").text.contains("Connect Facebook"))
    }

    @Test func everyGraphCallCarriesAValidAppSecretProofAndNoTokenInTheURL() throws {
        _ = try connect(test.browser())
        let graphCalls = try partner.requests().filter { ($0["path"] as? String)?.contains("/graph/") == true }
        #expect(graphCalls.contains { ($0["path"] as? String)?.hasSuffix("/me") == true })
        for call in graphCalls where (call["path"] as? String)?.contains("/oauth/access_token") == false && (call["path"] as? String)?.contains("debug_token") == false {
            #expect((call["status"] as? NSNumber)?.intValue == 200, "\(call)")
            let query = call["query"] as? [String: Any] ?? [:]
            #expect(query["appsecret_proof"] != nil)
            #expect(query["access_token"] == nil)
        }
    }

    @Test func refusesBadStatesWithoutExchangingACode() throws {
        let browser = test.browser()
        let good = queryPairs(of: try consent(browser))
        let code = try #require(good.first { $0.0 == "code" }?.1)
        let before = try partner.lastSequence()

        let cases: [(String, [(String, String)], TestBrowser)] = [
            ("missing", [("code", code)], browser),
            ("wrong", [("code", code), ("state", "not-a-state-we-issued")], browser),
        ]
        for (label, query, who) in cases {
            let response = who.get("/oauth/callback/facebook", query: query)
            #expect(response.status == 400 || response.status == 404, "\(label)")
        }
        #expect(browser.get("/oauth/callback/facebook", query: good).status == 303)
        // Replayed.
        #expect(browser.get("/oauth/callback/facebook", query: good).status == 400)
        // A Facebook state delivered to another (connectable) partner's callback is refused there.
        let other = queryPairs(of: try consent(browser, signIn: false))
        let elsewhere = browser.get("/oauth/callback/google", query: other)
        #expect(elsewhere.status == 400 || elsewhere.status == 404)
        // Only the one good callback exchanged a code.
        let exchanges = try partner.requestPaths(since: before).filter { $0.contains("/oauth/access_token") }
        #expect(exchanges.count == 2)   // code exchange + long-lived exchange, once
    }

    @Test func refusesStatesFromAnotherSessionOrOlderThanTenMinutes() throws {
        let first = test.browser()
        let callback = try consent(first)
        let before = try partner.lastSequence()

        let other = test.browser()
        other.signIn("admin@acme.test")
        let stolen = other.get("/oauth/callback/facebook", query: queryPairs(of: callback))
        #expect(stolen.status == 400 && stolen.text.contains("another browser session"))

        let late = try consent(first, signIn: false)
        test.clock.advance(10 * 60 + 1)
        let expired = first.get("/oauth/callback/facebook", query: queryPairs(of: late))
        #expect(expired.status == 400 && expired.text.contains("expired"))
        #expect(try partner.requestPaths(since: before).filter { $0.contains("/oauth/access_token") }.isEmpty)
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) == nil)
    }

    @Test func cancelledConsentSaysSoAndChangesNothing() throws {
        let browser = test.browser()
        let callback = try consent(browser, decision: "cancel")
        let page = browser.get(path(of: callback), query: queryPairs(of: callback))
        #expect(page.status == 400 && page.text.contains("You cancelled the connection"))
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) == nil)
    }

    /// The person unticks "Manage your ads" on the consent page (reliability.md O-12): the app sees the grant lacks
    /// ads_management, says so, and stores nothing — no connection, so no sync can start with it.
    @Test func aConsentWithoutAdsManagementIsRefusedAndNothingIsStored() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners/facebook")
        let location = try #require(browser.post("/partners/facebook/connect").header("Location"))
        let callback = try partner.consent(authorizationURL: location, granted: ["public_profile"])
        let page = browser.get(path(of: callback), query: queryPairs(of: callback))
        #expect(page.status == 400)
        #expect(page.text.contains("A permission is missing") && page.text.contains("ads_management"), "\(page.text)")
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) == nil)
        #expect(test.securityLog.all.contains { $0.contains("a required permission was not granted") })
        // Ticking it again connects.
        let again = try partner.consent(authorizationURL: try #require(browser.post("/partners/facebook/connect").header("Location")),
                                        granted: ["public_profile", "ads_management"])
        #expect(browser.get(path(of: again), query: queryPairs(of: again)).status == 303)
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) != nil)
    }

    @Test func linkedInsOwnCancelWordsReadAsACancelToo() throws {
        let browser = test.browser()
        let callback = try consent(browser, decision: "cancel")
        var query = queryPairs(of: callback).map { $0.0 == "error" ? ($0.0, "user_cancelled_authorize") : $0 }
        query.removeAll { $0.0 == "error_description" }
        let page = browser.get(path(of: callback), query: query)
        #expect(page.status == 400 && page.text.contains("You cancelled the connection"))
    }

    @Test func redirectURIComesFromConfigurationNotTheHostHeader() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners/facebook")
        let location = try #require(browser.post("/partners/facebook/connect", headers: ["host": "evil.example", "x-forwarded-host": "evil.example"])
            .header("Location"))
        #expect(location.hasPrefix(sandbox.url + "/facebook/www/v25.0/dialog/oauth?"))
        let query = FormValues(urlEncoded: Substring(location.split(separator: "?")[1]))
        #expect(query["redirect_uri"] == "http://127.0.0.1:8080/oauth/callback/facebook")
        #expect(query["scope"] == "ads_management")
        #expect((query["state"] ?? "").count >= 43)
    }

    @Test func systemUserTokenIsCheckedBeforeItIsStored() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners/facebook")
        let empty = browser.post("/partners/facebook/token", [("token", "  ")])
        #expect(empty.status == 422 && empty.text.contains("Paste the system user token."))
        let bogus = browser.post("/partners/facebook/token", [("token", "EAAnot-a-real-token")])
        #expect(bogus.status == 422 && bogus.text.contains("did not accept this token"))
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) == nil)

        let token = try partner.systemUserToken()
        let saved = browser.post("/partners/facebook/token", [("token", token)])
        #expect(saved.header("Location") == "/partners/facebook/accounts?notice=token-saved")
        let page = browser.get("/partners/facebook").text
        #expect(page.contains("System user token") && page.contains("Never expires") && page.contains("AudienceSync System User"))
        #expect(!page.contains(token))
        #expect(!(try rawDatabase().contains(token)))
    }

    @Test func aRevokedTokenShowsAsInvalidAfterACheck() throws {
        let browser = test.browser()
        _ = try connect(browser)
        browser.post("/partners/facebook/accounts", [("account", "act_1001")])
        try partner.call("POST", "/_sandbox/facebook/tokens/revoke", json: #"{"all":true}"#)
        browser.get("/partners/facebook")
        #expect(browser.post("/partners/facebook/check").header("Location") == "/partners/facebook?notice=checked")
        let page = browser.get("/partners/facebook").text
        #expect(page.contains("Token invalid"))
        let connection = try #require(try test.store.connection(workspaceID: 1, partner: .facebook))
        #expect(connection.status == .invalid)
    }

    @Test func termsAcceptedAtFacebookShowAfterACheck() throws {
        let browser = test.browser()
        _ = try connect(browser)
        browser.post("/partners/facebook/accounts", [("account", "act_1003")])
        #expect(browser.get("/partners/facebook").text.contains("Not accepted"))
        try partner.call("POST", "/_sandbox/facebook/adaccounts/1003/tos", json: #"{"accepted":true}"#)
        browser.get("/partners/facebook")
        browser.post("/partners/facebook/check")
        let page = browser.get("/partners/facebook").text
        #expect(page.contains("Accepted") && !page.contains("Not accepted"))
    }

    private func rawDatabase() throws -> String {
        var text = ""
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: test.databasePath + suffix) { text += String(decoding: data, as: UTF8.self) }
        }
        return text
    }
}

func path(of url: String) -> String {
    let withoutQuery = String(url.split(separator: "?", maxSplits: 1)[0])
    guard let range = withoutQuery.range(of: "://") else { return withoutQuery }
    let rest = withoutQuery[range.upperBound...]
    return rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
}

func queryPairs(of url: String) -> [(String, String)] {
    let parts = url.split(separator: "?", maxSplits: 1)
    guard parts.count == 2 else { return [] }
    return FormValues(urlEncoded: parts[1]).pairs.map { ($0.name, $0.value) }
}
