import Core
import Crypto
import FastCGI
import Foundation
import HTTPClient
import Partners
import Storage
@testable import Sync
import TestSupport
import Testing

/// LinkedIn like a person uses it: enable Pro, connect through the sandbox's consent page, sync an Add step into a
/// new DMP segment (which LinkedIn is still BUILDING at first), then a Remove step on the same segment.
@Suite struct LinkedInSyncFlowTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let browser: TestBrowser
    let canvas: Int64
    let engine: SyncEngine
    let emails = ["Ann@Example.com", "bob@example.com", "cy@example.com"]

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners")
        #expect(browser.post("/partners/pro", [("partner", "linkedin")]).status == 303)
        // The test clicks faster than a person: room above LinkedIn's 10 calls a second until the sync starts.
        try partner.call("POST", "/_sandbox/linkedin/config", json: #"{"rate_limit_per_second":1000}"#)
        browser.get("/partners/linkedin")
        let location = try #require(browser.post("/partners/linkedin/connect").header("Location"))
        let callback = try Self.allow(location)
        browser.get(path(of: callback), query: queryPairs(of: callback))
        let accounts = browser.get("/partners/linkedin/accounts").text
        // The viewer's account is listed, marked with LinkedIn's reason.
        #expect(accounts.contains("Demo Company Ads") && accounts.contains("Partner Agency (view only)"))
        #expect(accounts.contains("Cannot be synced to: LinkedIn reports your role VIEWER — a viewer cannot manage audiences"))
        browser.post("/partners/linkedin/accounts", [("account", "508000001")])
        browser.get("/canvases")
        canvas = try #require(trailingID(browser.post("/canvases", [("name", "LinkedIn sync")])))
        let add = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [
            ("destination", "linkedin|508000001"), ("audience_mode", "new"), ("audience_name", "LinkedIn buyers"), ("action", "add"),
            ("field", "email")])
        _ = try SyncFlowTests.addStep(browser, canvas, "delay", [("amount", "2"), ("unit", "hours")])
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [
            ("destination", "linkedin|508000001"), ("audience_mode", "from_step"), ("source_step", String(add)), ("action", "remove"),
            ("field", "email")])
        browser.get("/canvases/\(canvas)")
        browser.postConfirmed("/canvases/\(canvas)/launch")
        let clock = test.clock
        engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        let recipients = emails.enumerated().map { #"{"external_user_id":"u\#($0.offset)","attributes":{"email":"\#($0.element)"}}"# }
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                    headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(#"{"canvas_id":"\#(canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#.utf8)))
        #expect(response.status == 201)
        try partner.call("POST", "/_sandbox/linkedin/config", json: #"{"rate_limit_per_second":10}"#)
        try partner.call("POST", "/_sandbox/clock", json: #"{"advance_seconds":1}"#)   // the clicks' calls leave the window
    }

    /// Presses the consent page's `id="allow"` button: its form's hidden inputs plus the button's name and value.
    static func allow(_ url: String) throws -> String {
        let http = HTTPClient()
        let html = try http.send(HTTPRequest(url: url)).text
        var form = html.matches(of: /<input type="hidden" name="([^"]+)" value="([^"]*)">/).map { (String($0.1), String($0.2)) }
        let button = try #require(html.firstMatch(of: /<button[^>]*id="allow" name="([^"]+)" value="([^"]+)"/))
        form.append((String(button.1), String(button.2)))
        let action = try #require(html.firstMatch(of: /<form method="post" action="([^"]+)"/))
        let origin = String(url.prefix(upTo: try #require(url.range(of: "/linkedin/"))?.lowerBound ?? url.endIndex))
        let answer = try http.send(HTTPRequest(method: "POST", url: origin + action.1, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: Array(URLEncoding.encode(form).utf8)))
        return try #require(answer.header("location"))
    }

    var hashes: [String] { emails.map { Hex.encode(Array(SHA256.hash(data: Array($0.lowercased().utf8)))) }.sorted() }

    func segment() throws -> [String: Any] {
        let state = try partner.call("GET", "/_sandbox/linkedin/state") as? [String: Any]
        let id = try #require((state?["segments"] as? [[String: Any]])?.first { $0["name"] as? String == "LinkedIn buyers" }?["id"])
        return try partner.call("GET", "/_sandbox/linkedin/audiences/\(id)") as? [String: Any] ?? [:]
    }

    @Test func addWaitsForTheNewSegmentThenRemoveEmptiesIt() throws {
        let segmentID = try #require(try segment()["id"] as? Int)
        // The creation marker round-trips through sourceSegmentId, so a launch after a crash finds the segment.
        #expect((try segment()["sourceSegmentId"] as? String)?.hasPrefix("Created by AudienceSync for canvas step ") == true)
        // LinkedIn still BUILDING the segment: retried, not failed.
        engine.flush(force: true)
        let steps = try test.store.steps(canvasID: canvas)
        #expect(try test.store.pendingProblems(stepID: steps[0].id).first?.errorClass == "transient")
        #expect(try segment()["not_ready_refusals"] as? Int == 1)
        try partner.call("POST", "/_sandbox/linkedin/audiences/\(segmentID)/ready")
        test.clock.advance(10)
        #expect(engine.flush(force: true) == 3)
        #expect(try segment()["members"] as? [String] == hashes)
        let log = (try partner.call("GET", "/_sandbox/requests?partner=linkedin") as? [String: Any])?["requests"] as? [[String: Any]] ?? []
        let accepted = log.filter { ($0["path"] as? String)?.hasSuffix("/users") == true && ($0["status"] as? Int) == 200 }
            .map { $0["body"] as? String ?? "" }.joined()
        #expect(hashes.allSatisfy(accepted.contains) && !accepted.contains("example.com"))

        test.clock.advance(2 * 3600 + 1)
        try DelayAdvancer(store: test.store, now: { test.clock.now }).advanceDue()
        #expect(engine.flush(force: true) == 3)
        #expect(try segment()["members"] as? [String] == [])
        #expect(try segment()["remove_requests"] as? Int == 1)
    }

    @Test func anExpiredAccessTokenIsRefreshedAndTheCallRepeated() throws {
        let segmentID = try #require(try segment()["id"] as? Int)
        try partner.call("POST", "/_sandbox/linkedin/audiences/\(segmentID)/ready")
        try partner.call("POST", "/_sandbox/linkedin/tokens/expire")
        #expect(engine.flush(force: true) == 3)
        #expect(try segment()["members"] as? [String] == hashes)
        let log = (try partner.call("GET", "/_sandbox/requests?partner=linkedin") as? [String: Any])?["requests"] as? [[String: Any]] ?? []
        let grants = log.filter { ($0["path"] as? String)?.hasSuffix("/accessToken") == true }.map { $0["body"] as? String ?? "" }
        #expect(grants.count == 2 && grants[1].contains("grant_type=refresh_token"))
        #expect(try test.store.connection(workspaceID: 1, partner: .linkedin)?.status != .invalid)

        // A refused refresh token needs a person: the connection is invalid, the users wait.
        try partner.call("POST", "/_sandbox/linkedin/tokens/revoke", json: #"{"all":true}"#)
        test.clock.advance(2 * 3600 + 1)
        try DelayAdvancer(store: test.store, now: { test.clock.now }).advanceDue()
        engine.flush(force: true)
        #expect(try test.store.connection(workspaceID: 1, partner: .linkedin)?.status == .invalid)
        #expect(try segment()["members"] as? [String] == hashes)
    }
}
