import Core
import FastCGI
import Foundation
import HTTPClient
import Storage
@testable import Sync
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
        // The cancelled customer (by its id: Google will not open it) and the one without the customer data terms are
        // listed, each marked in Google's own words.
        #expect(chooser.contains("Cannot be synced to: Google reports customer status CUSTOMER_NOT_ENABLED"))
        #expect(chooser.contains("Cannot be synced to: Google reports customer data terms Not accepted"))
        #expect(!chooser.contains("custom audience terms"))
        let connection = try #require(try test.store.connection(workspaceID: 1, partner: .google))
        #expect(connection.sealedRefreshToken != nil && connection.partnerUserName == "demo.user@example.com")
        let saved = browser.post("/partners/google/accounts", [("account", "1234567890")])
        #expect(saved.header("Location") == "/partners/google?notice=accounts-saved")
        let page = browser.get("/partners/google").text
        #expect(page.contains("Demo Retail — US") && page.contains("Token valid") && page.contains("demo.user@example.com"))
    }

    /// Members of the sandbox list named `name` (identifier → ad_user_data consent).
    func members(_ name: String) throws -> [String: String] {
        let client = SandboxClient(url: sandbox.url)
        let state = try client.call("GET", "/_sandbox/google/state") as? [String: Any]
        let id = try #require((state?["user_lists"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["id"] as? String)
        let list = try client.call("GET", "/_sandbox/google/audiences/\(id)") as? [String: Any]
        return Dictionary(uniqueKeysWithValues: (list?["members"] as? [[String: Any]] ?? []).compactMap { member in
            (member["identifier"] as? String).map { ($0, member["ad_user_data"] as? String ?? "") }
        })
    }

    @Test func aCanvasAddsThenRemovesUsersWithTheirConsentAndRenewsTheToken() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners/google")
        let callback = try allow(try #require(browser.post("/partners/google/connect").header("Location")))
        browser.get(path(of: callback), query: queryPairs(of: callback))
        browser.get("/partners/google/accounts")
        browser.post("/partners/google/accounts", [("account", "1234567890")])
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", "Google sync")])))
        let add = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", "google|1234567890"), ("audience_mode", "new"),
                                                                              ("audience_name", "Google buyers"), ("action", "add"), ("field", "email")])
        _ = try SyncFlowTests.addStep(browser, canvas, "delay", [("amount", "2"), ("unit", "hours")])
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", "google|1234567890"), ("audience_mode", "from_step"),
                                                                         ("source_step", String(add)), ("action", "remove"), ("field", "email")])
        browser.get("/canvases/\(canvas)")
        browser.postConfirmed("/canvases/\(canvas)/launch")
        let recipients = [#"{"external_user_id":"u1","attributes":{"email":"Dana@Example.com","ad_user_data_consent":true}}"#,
                          #"{"external_user_id":"u2","attributes":{"email":"j.o.h.n+alias@gmail.com"}}"#]
        let sent = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                body: Array(#"{"canvas_id":"\#(canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#.utf8)))
        #expect(sent.status == 201)
        let clock = test.clock
        let engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        #expect(engine.flush(force: true) == 2)
        #expect(try members("Google buyers") == [
            "email:07e2f1394b0ea80e2adca010ea8318df697001a005ba7452720edda4b0ce57b3": "CONSENT_GRANTED",   // dana@example.com
            "email:142d78e466cacab37c3751a6ba0d288ce40db609ce9c49617ea6b24665f1aa9c": "CONSENT_STATUS_UNSPECIFIED",   // john@gmail.com
        ])
        // Two hours on the access token (an hour) has expired: the engine renews it with the refresh token.
        test.clock.advance(2 * 3600 + 1)
        try DelayAdvancer(store: test.store, now: { test.clock.now }).advanceDue()
        #expect(engine.flush(force: true) == 2)
        #expect(try members("Google buyers").isEmpty)
        let answer = try SandboxClient(url: sandbox.url).call("GET", "/_sandbox/requests?partner=google")
        let log = answer as? [[String: Any]] ?? (answer as? [String: Any])?["requests"] as? [[String: Any]] ?? []
        #expect(log.contains { ($0["path"] as? String)?.hasSuffix("/oauth2/token") == true && ($0["body"] as? String)?.contains("grant_type=refresh_token") == true })
    }
}
