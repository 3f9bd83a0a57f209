import Core
import FastCGI
import Foundation
import HTTPClient
import TestSupport
import Testing

/// Connecting Snapchat as a person would (what the e2e partners test does): Pro enabled, Connect, the sandbox's
/// consent page submitted through its `id="allow"` button (hidden inputs plus the button's name and value), the
/// callback, then the ad accounts the client lists.
@Suite struct SnapchatConnectionTests {
    let sandbox: SandboxStack
    let test: TestApp

    init() throws {
        sandbox = try SandboxStack()
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
    }

    /// Submits the consent form as a browser without JavaScript: hidden inputs, then the pressed button's name=value.
    static func allow(_ authorizationURL: String, http: HTTPClient) throws -> String {
        let page = try http.send(HTTPRequest(url: authorizationURL))
        #expect(page.status == 200)
        let text = page.text
        let inputs = try NSRegularExpression(pattern: #"<input type="hidden" name="([^"]*)" value="([^"]*)">"#)
        var form: [(String, String)] = inputs.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            guard let name = Range(match.range(at: 1), in: text), let value = Range(match.range(at: 2), in: text) else { return nil }
            return (String(text[name]), String(text[value]).replacingOccurrences(of: "&amp;", with: "&"))
        }
        let button = try NSRegularExpression(pattern: #"<button[^>]*id="allow"[^>]*name="([^"]+)" value="([^"]+)""#)
        let match = try #require(button.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)))
        form.append((String(text[Range(match.range(at: 1), in: text)!]), String(text[Range(match.range(at: 2), in: text)!])))
        let answer = try http.send(HTTPRequest(method: "POST", url: String(authorizationURL.split(separator: "?")[0]),
                                                    headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                    body: Array(URLEncoding.encode(form).utf8)))
        #expect(answer.status == 302)
        return try #require(answer.header("location"))
    }

    @Test func connectThroughTheConsentPageAndListTheAdAccounts() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners")
        #expect(browser.post("/partners/pro", [("partner", "snapchat")]).status == 303)
        #expect(browser.get("/partners/snapchat").text.contains("Connect Snapchat"))
        let consent = try #require(browser.post("/partners/snapchat/connect").header("Location"))
        #expect(consent.hasPrefix(sandbox.url + "/snapchat/accounts/login/oauth2/authorize?"))

        let callback = try Self.allow(consent, http: test.http)
        #expect(callback.hasPrefix(TestApp.baseURL + "/oauth/callback/snapchat?code="))
        let landed = browser.get(path(of: callback), query: queryPairs(of: callback))
        #expect(landed.status == 303 && landed.header("Location") == "/partners/snapchat/accounts?notice=connected")

        let chooser = browser.get("/partners/snapchat/accounts").text
        #expect(chooser.contains("Demo Retail — US") && chooser.contains("Demo Retail — EU"))
        #expect(!chooser.contains("Someone Else"))
        let saved = browser.post("/partners/snapchat/accounts", [("account", "8adc3db7-8148-4a2c-9c8f-000000000001")])
        #expect(saved.header("Location") == "/partners/snapchat?notice=accounts-saved")
        let page = browser.get("/partners/snapchat").text
        #expect(page.contains("Demo User") && page.contains("Demo Retail — US"))
        let stored = try #require(try test.store.connection(workspaceID: 1, partner: .snapchat))
        #expect(stored.sealedRefreshToken != nil)
    }
}
