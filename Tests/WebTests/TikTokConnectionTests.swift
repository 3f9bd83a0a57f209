import Core
import FastCGI
import Foundation
import HTTPClient
import TestSupport
import Testing

/// Connecting TikTok through the responder, against the real sandbox over HTTP: the portal's `auth_code`
/// callback, the advertiser chooser and the token health, as the e2e drives it.
@Suite struct TikTokConnectionTests {
    let sandbox: SandboxStack
    let test: TestApp

    init() throws {
        sandbox = try SandboxStack()
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
    }

    @Test func connectThroughThePortalAndChooseAnAdvertiser() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners")
        #expect(browser.post("/partners/pro", [("partner", "tiktok")]).status == 303)
        #expect(browser.get("/partners/tiktok").text.contains(">Connect TikTok</button>"))
        let location = try #require(browser.post("/partners/tiktok/connect").header("Location"))
        #expect(location.hasPrefix(sandbox.url + "/tiktok/portal/auth?app_id=sandbox-tiktok-app&"))

        let callback = try tiktokConsent(location, button: "allow")
        let answer = browser.get(path(of: callback), query: queryPairs(of: callback))
        #expect(answer.status == 303)
        #expect(answer.header("Location") == "/partners/tiktok/accounts?notice=connected")
        let chooser = browser.get("/partners/tiktok/accounts").text
        for name in ["Demo Shop — US", "Demo Shop — EU"] { #expect(chooser.contains(name)) }
        #expect(browser.post("/partners/tiktok/accounts", [("account", "7000000000001")]).header("Location")
                == "/partners/tiktok?notice=accounts-saved")
        let page = browser.get("/partners/tiktok").text
        #expect(page.contains("Token valid") && page.contains("Demo User") && page.contains("Demo Shop — US"))
    }

    @Test func cancellingAtThePortalConnectsNothing() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners")
        _ = browser.post("/partners/pro", [("partner", "tiktok")])
        browser.get("/partners/tiktok")
        let location = try #require(browser.post("/partners/tiktok/connect").header("Location"))
        let callback = try tiktokConsent(location, button: "deny")
        _ = browser.get(path(of: callback), query: queryPairs(of: callback))
        #expect(try test.store.connection(workspaceID: 1, partner: .tiktok) == nil)
    }
}

/// Presses the TikTok portal's Allow (or Cancel) the way a browser submits the form: the query's fields (which
/// the form carries as hidden inputs) plus the button's name and value. Returns the redirect.
func tiktokConsent(_ url: String, button: String) throws -> String {
    let http = HTTPClient()
    let page = try http.send(HTTPRequest(url: url))
    #expect(page.status == 200 && page.text.contains("id=\"\(button)\""))
    let query = FormValues(urlEncoded: Substring(url.split(separator: "?", maxSplits: 1).last ?? ""))
    let form = query.pairs.map { ($0.name, $0.value) } + [("decision", button)]
    let answer = try http.send(HTTPRequest(method: "POST", url: String(url.split(separator: "?")[0]),
                                           headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                           body: Array(URLEncoding.encode(form).utf8)))
    #expect(answer.status == 302)
    return try #require(answer.header("location"))
}

/// Signs in, enables TikTok as a Pro partner, connects it through the portal and saves `accounts`.
func connectTikTok(_ test: TestApp, as email: String, accounts: [String]) throws -> TestBrowser {
    let browser = test.browser()
    browser.signIn(email)
    browser.get("/partners")
    _ = browser.post("/partners/pro", [("partner", "tiktok")])
    browser.get("/partners/tiktok")
    let location = try #require(browser.post("/partners/tiktok/connect").header("Location"))
    let callback = try tiktokConsent(location, button: "allow")
    _ = browser.get(path(of: callback), query: queryPairs(of: callback))
    browser.get("/partners/tiktok/accounts")
    _ = browser.post("/partners/tiktok/accounts", accounts.map { ("account", $0) })
    return browser
}
