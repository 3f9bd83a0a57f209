import Core
import FastCGI
import Foundation
@testable import Sync
import TestSupport
import Testing

/// The overview, the page after sign-in, read as a marketer reads it: what synced, what needs action and where to
/// fix it, how each partner is doing — after real syncs through the sandbox.
@Suite struct OverviewTests {
    let flow: SyncFlowTests

    init() throws { flow = try SyncFlowTests() }

    var browser: TestBrowser { flow.browser }

    /// The figure shown under `id` (`synced`, `not-synced`, `pending`, `errored`).
    static func figure(_ page: String, _ id: String) -> String? {
        guard let start = page.range(of: #"id="figure-\#(id)">"#) else { return nil }
        let rest = page[start.upperBound...]
        guard let open = rest.range(of: #"<span class="figure">"#), let close = rest.range(of: "</span>", range: open.upperBound..<rest.endIndex) else { return nil }
        return String(rest[open.upperBound..<close.lowerBound])
    }

    /// The HTML of the page's section `id`.
    static func section(_ page: String, _ id: String) -> String {
        guard let start = page.range(of: #"<section class="card" id="\#(id)">"#),
              let end = page.range(of: "</section>", range: start.upperBound..<page.endIndex) else { return "" }
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test func showsTheLast24HoursAfterASyncWithSparklines() throws {
        // A fourth user has no email: the step cannot match them (Users Not Synced).
        let response = flow.test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                         headers: ["authorization": "Bearer " + flow.key, "content-type": "application/json"],
                                                         body: Array(#"{"canvas_id":"\#(flow.canvas)","recipients":[{"external_user_id":"u9","attributes":{"plan":"gold"}}]}"#.utf8)))
        #expect(response.status == 201)
        var page = browser.get("/overview").text
        #expect(Self.figure(page, "pending") == "3" && Self.figure(page, "synced") == "0" && Self.figure(page, "not-synced") == "1")

        #expect(flow.engine.flush(force: true) == 3)
        page = browser.get("/overview").text
        #expect(Self.figure(page, "synced") == "3")
        #expect(Self.figure(page, "not-synced") == "1")
        #expect(Self.figure(page, "pending") == "0")
        #expect(Self.figure(page, "errored") == "0")
        // Each figure has its line, titled in words with the hourly numbers (the last hour holds the sync).
        #expect(page.contains(#"<title>Users synced per hour over the last 24 hours, oldest first: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3</title>"#))
        #expect(page.components(separatedBy: #"class="sparkline""#).count - 1 == 4)
        #expect(page.contains("<title>Users queued per hour over the last 24 hours, oldest first: ") && page.contains(#"role="img""#))
        #expect(Self.section(page, "problems").contains("Nothing needs your action."))
        let connections = Self.section(page, "connections")
        #expect(connections.contains(#"<a href="/partners/facebook">Facebook</a>"#) && connections.contains(">Connected<") && connections.contains("1 ad account"))
        #expect(page.contains(#"<a href="/overview" aria-current="page">Overview</a>"#))

        // A day later the window has moved on; the users are still synced (the canvas list keeps all-time figures).
        flow.test.clock.advance(25 * 3600)
        browser.signIn("admin@acme.test")
        #expect(Self.figure(browser.get("/overview").text, "synced") == "0")
    }

    @Test func listsOpenProblemsEachWithItsFix() throws {
        // An open alert: the step's audience was deleted at Facebook.
        try flow.partner.call("POST", "/_sandbox/facebook/audiences/\(try #require(flow.audience()["id"] as? String))/delete")
        flow.engine.flush(force: true)
        // The terms of the ad account were withdrawn; checking the connection notices.
        try flow.partner.call("POST", "/_sandbox/facebook/adaccounts/act_1001/tos", json: #"{"accepted":false}"#)
        browser.get("/partners/facebook")
        browser.post("/partners/facebook/check")
        var problems = Self.section(browser.get("/overview").text, "problems")
        let step = try flow.stepID(0)
        #expect(problems.contains("the Facebook audience no longer exists"))
        #expect(problems.contains(#"/canvases/\#(flow.canvas)/steps/\#(step)">Fix it</a>"#))
        #expect(problems.contains("Facebook ad account") && problems.contains("terms not accepted"))
        #expect(problems.contains(#"<a href="/partners/facebook">Accept the terms</a>"#))

        // The token is revoked: the check marks the connection invalid, and the overview says where to reconnect.
        try flow.partner.call("POST", "/_sandbox/facebook/tokens/revoke", json: #"{"all":true}"#)
        browser.get("/partners/facebook")
        browser.post("/partners/facebook/check")
        let page = browser.get("/overview").text
        problems = Self.section(page, "problems")
        #expect(problems.contains("Facebook: the connection is no longer valid"))
        #expect(problems.contains(#"<a href="/partners/facebook">Reconnect Facebook</a>"#))
        #expect(Self.section(page, "connections").contains("Needs attention: reconnect"))
    }

    @Test func aStepWhoseUsersWaitOnAProblemIsListed() throws {
        try flow.partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"count":1,"status":500,"error":{"code":2,"type":"OAuthException","message":"Service temporarily unavailable"}}"#)
        flow.engine.flush(force: true)
        let problems = Self.section(browser.get("/overview").text, "problems")
        #expect(problems.contains("Canvas Sync: 3 user(s) waiting"))
        #expect(problems.contains(#"<a href="/canvases/\#(flow.canvas)/steps/\#(try flow.stepID(0))">Open the step</a>"#))
    }
}

/// Sign-in lands on the overview; a workspace with nothing in it is shown how to start.
@Suite struct OverviewEntryTests {
    let test: TestApp
    init() throws {
        test = try TestApp()
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
    }

    @Test func signInLandsOnTheOverview() {
        let browser = test.browser()
        browser.get("/signin")
        let response = browser.post("/signin", [("email", "admin@acme.test"), ("password", "correct horse battery")])
        #expect(response.status == 303 && response.header("Location") == "/overview")
        #expect(browser.get("/").header("Location") == "/overview")
        #expect(browser.get("/signin").header("Location") == "/overview")
        #expect(test.browser().get("/overview").header("Location") == "/signin?next=%2Foverview")
    }

    @Test func anEmptyWorkspaceIsShownWhereToStart() {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        let page = browser.get("/overview")
        #expect(page.status == 200)
        let start = OverviewTests.section(page.text, "getting-started")
        #expect(start.contains("Nothing yet"))
        #expect(start.contains(#"<a href="/partners">Connect a partner</a>"#) && start.contains(#"<a href="/canvases">Create a canvas</a>"#))
        #expect(!page.text.contains(#"id="figures""#))
        // The nav starts with the overview.
        let nav = page.text.components(separatedBy: #"<nav aria-label="Main""#).dropFirst().first?.drop { $0 != ">" }.dropFirst() ?? ""
        #expect(nav.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(#"<a href="/overview""#))
    }
}

/// Imports running show on the overview until they end; a member sees them without a link to admin pages.
@Suite struct OverviewRunningTests {
    @Test func aRunningImportIsListedUntilItEnds() throws {
        let imports = try ImportTests()
        try imports.test.createUser(workspace: "Acme", email: "member2@acme.test", role: .member)
        let started = imports.upload("external_id,email\nu1,a@b.co\nu2,c@d.co\n", filename: "spring.csv")
        let id = try #require(trailingID(started))
        let running = OverviewTests.section(imports.browser.get("/overview").text, "running")
        // Before anything is connected: the workspace is still "empty", yet its import shows (with the header read).
        #expect(running.contains(#"CSV import: <a href="/settings/imports/\#(id)">spring.csv</a> — "#) && running.contains("% done"))
        let member = imports.test.browser()
        member.signIn("member2@acme.test")
        let seen = OverviewTests.section(member.get("/overview").text, "running")
        #expect(seen.contains("CSV import: spring.csv — ") && !seen.contains("/settings/imports/"))

        while imports.importer().hasWork() { imports.importer().run(for: 5) }
        let after = imports.browser.get("/overview").text
        #expect(!after.contains("spring.csv") && after.contains("Nothing yet"))
    }
}

extension OverviewRunningTests {
    @Test func aRunningExportIsListedWithItsProgressUntilItEnds() throws {
        let exports = try SegmentExportTests()
        let id = try exports.start(["email"])
        let running = OverviewTests.section(exports.browser.get("/overview").text, "running")
        #expect(running.contains(#"Export to Facebook: <a href="/segments/\#(exports.segment)/exports/\#(id)">Gold</a> — 0 % done"#))
        while exports.exporter().hasWork() { exports.exporter().run(for: 5) }
        #expect(OverviewTests.section(exports.browser.get("/overview").text, "running").contains("None running now."))
    }
}
