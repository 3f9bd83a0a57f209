import Core
import FastCGI
import Foundation
import HTTPClient
import TestSupport
import Testing

/// Connecting Google through the app, against the real sandbox over HTTP: PKCE, refresh token, customers.
@Suite struct GoogleConnectionTests {
    let sandbox: SandboxStack
    let test: TestApp

    init() throws {
        sandbox = try SandboxStack()
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
    }

    /// Submits the sandbox consent form as a browser would: hidden inputs plus the `#allow` button's name and value.
    func allow(_ url: String) throws -> String {
        let http = HTTPClient()
        let html = try http.send(HTTPRequest(url: url)).text
        func attribute(_ name: String, _ tag: Substring) -> String? {
            guard let start = tag.range(of: " \(name)=\"") else { return nil }
            let rest = tag[start.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]).replacingOccurrences(of: "&#x2F;", with: "/")
                .replacingOccurrences(of: "&#x3D;", with: "=").replacingOccurrences(of: "&amp;", with: "&") }
        }
        let tags = html.split(separator: "<")
        var form = tags.filter { $0.hasPrefix("input ") && attribute("type", $0) == "hidden" }.map { (attribute("name", $0) ?? "", attribute("value", $0) ?? "") }
        let button = try #require(tags.first { $0.hasPrefix("button ") && attribute("id", $0) == "allow" })
        form.append((attribute("name", button) ?? "", attribute("value", button) ?? ""))
        let action = try #require(tags.first { $0.hasPrefix("form ") }.flatMap { attribute("action", $0) })
        let answer = try http.send(HTTPRequest(method: "POST", url: sandbox.url + action, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: Array(URLEncoding.encode(form).utf8)))
        return try #require(answer.header("location"))
    }

    @Test func connectsWithPKCEAndListsTheUsableCustomers() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners/google")
        let location = try #require(browser.post("/partners/google/connect").header("Location"))
        #expect(location.contains("code_challenge_method=S256") && location.contains("access_type=offline"))
        let callback = try allow(location)
        let response = browser.get(path(of: callback), query: queryPairs(of: callback))
        #expect(response.status == 303)
        #expect(response.header("Location") == "/partners/google/accounts?notice=connected")
        let chooser = browser.get("/partners/google/accounts").text
        #expect(chooser.contains("Demo Retail — US") && chooser.contains("Demo Retail — EU"))
        #expect(!chooser.contains("Demo Agency") && !chooser.contains("Old Brand"))
        let connection = try #require(try test.store.connection(workspaceID: 1, partner: .google))
        #expect(connection.sealedRefreshToken != nil && connection.partnerUserName == "demo.user@example.com")
        let saved = browser.post("/partners/google/accounts", [("account", "1234567890")])
        #expect(saved.header("Location") == "/partners/google?notice=accounts-saved")
        #expect(browser.get("/partners/google").text.contains("Demo Retail — US"))
    }
}
