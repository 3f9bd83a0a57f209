import Core
import Crypto
import FastCGI
import Foundation
import Partners
import Storage
@testable import Sync
import TestSupport
import Testing

/// Queued users reaching the sandbox's audiences through the sync engine, and every error class on the way.
@Suite struct SyncFlowTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let browser: TestBrowser
    let key: String
    let canvas: Int64
    let engine: SyncEngine
    let emails = ["ann@example.com", "bob@example.com", "cy@example.com"]

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001"])
        key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser.get("/canvases")
        canvas = try #require(trailingID(browser.post("/canvases", [("name", "Sync")])))
        let add = try Self.addStep(browser, canvas, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                                      ("audience_name", "Synced buyers"), ("action", "add"), ("field", "email")])
        _ = try Self.addStep(browser, canvas, "delay", [("amount", "2"), ("unit", "hours")])
        _ = try Self.addStep(browser, canvas, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "from_step"),
                                                                ("source_step", String(add)), ("action", "remove"), ("field", "email")])
        browser.get("/canvases/\(canvas)")
        browser.postConfirmed("/canvases/\(canvas)/launch")
        let clock = test.clock
        engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        let recipients = emails.enumerated().map { #"{"external_user_id":"u\#($0.offset)","attributes":{"email":"\#($0.element)"}}"# }
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                    headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(#"{"canvas_id":"\#(canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#.utf8)))
        #expect(response.status == 201)
    }

    static func addStep(_ browser: TestBrowser, _ canvas: Int64, _ kind: String, _ form: [(String, String)]) throws -> Int64 {
        browser.get("/canvases/\(canvas)")
        let step = try #require(trailingID(browser.post("/canvases/\(canvas)/add-step", [("kind", kind)])))
        browser.get("/canvases/\(canvas)/steps/\(step)")
        browser.post("/canvases/\(canvas)/steps/\(step)/save", form)
        return step
    }

    var hashes: [String] { emails.map { Hex.encode(Array(SHA256.hash(data: Array($0.utf8)))) }.sorted() }

    func audience() throws -> [String: Any] {
        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        let id = try #require((state?["audiences"] as? [[String: Any]])?.first { $0["name"] as? String == "Synced buyers" }?["id"])
        return try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any] ?? [:]
    }

    func figures(_ index: Int) throws -> [String: Int] {
        let steps = try StepFiguresProbe.of(test, canvas: canvas)
        return steps[index]
    }

    @Test func sendsQueuedUsersWithOnlyTheirHashedFields() throws {
        #expect(engine.flush(force: true) == 3)
        #expect(try audience()["members"] as? [String] == hashes)
        #expect(try figures(0)["synced"] == 3 && figures(0)["pending"] == 0)
        let upload = try #require(try partner.requests().last { ($0["path"] as? String)?.hasSuffix("/users") == true })
        let body = upload["body"] as? String ?? ""
        // Nobody in the batch asked for Limited Data Use: the data processing options column is left out.
        #expect(body.contains(#""schema":["EMAIL"]"#) && !body.contains("DATA_PROCESSING_OPTIONS") && !body.contains("@example.com"))
        #expect(engine.flush(force: true) == 0)   // nothing left, nothing sent twice
    }

    @Test func transientErrorsAreRetriedLater() throws {
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"count":1,"status":500,"error":{"code":2,"type":"OAuthException","message":"Service temporarily unavailable"}}"#)
        #expect(engine.flush(force: true) == 3)
        #expect(try figures(0)["pending"] == 3)
        #expect(try test.store.pendingProblems(stepID: stepID(0)).first?.errorClass == "transient")
        #expect(engine.flush(force: true) == 0)   // not before the backoff
        test.clock.advance(10)
        #expect(engine.flush(force: true) == 3)
        #expect(try figures(0)["synced"] == 3)
    }

    @Test func anInvalidTokenPausesTheConnectionUntilItIsRepaired() throws {
        try partner.call("POST", "/_sandbox/facebook/tokens/revoke", json: #"{"all":true}"#)
        engine.flush(force: true)
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook)?.status == .invalid)
        #expect(try figures(0)["pending"] == 3)
        let calls = try partner.lastSequence()
        test.clock.advance(120)
        engine.flush(force: true)
        #expect(try partner.lastSequence() == calls)   // no call with the bad token
        #expect(try test.store.pendingProblems(stepID: stepID(0)).first?.errorClass == "auth_invalid")
        #expect(browser.get("/canvases/\(canvas)").text.contains("3 user(s): facebook: Error validating access token"))
        _ = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001"])
        engine.flush(force: true)
        #expect(try figures(0)["synced"] == 3)
        #expect(try audience()["members"] as? [String] == hashes)
    }

    /// The fault matrix's promise for every caller, not only sends: an audience-size read that learns the token is
    /// refused stops the connection, so the next step's read on it makes no call.
    @Test func aSizeReadThatFindsTheTokenRefusedStopsEveryOtherUseOfIt() throws {
        engine.flush(force: true)
        try partner.call("POST", "/_sandbox/facebook/tokens/revoke", json: #"{"all":true}"#)
        let calls = try partner.lastSequence()
        try engine.refreshAudienceSizes([stepID(0), stepID(2)], test.clock.now)
        #expect(try partner.lastSequence() == calls + 1)
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook)?.status == .invalid)
    }

    /// A backlog of full batches goes out on two lanes: two calls in flight at once, each user sent once. The sandbox
    /// holds every upload 3 s; on one lane the second call could not end within 3 s of the first.
    @Test func aBacklogGoesOutOnTwoLanesEachUserOnce() throws {
        engine.flush(force: true)
        for request in [0..<10_000, 10_000..<20_000, 20_000..<20_001] {   // at most 10,000 recipients a request
            let recipients = request.map { #"{"external_user_id":"l\#($0)","attributes":{"email":"l\#($0)@example.com"}}"# }
            let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                        headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                        body: Array(#"{"canvas_id":"\#(canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#.utf8)))
            #expect(response.status == 201)
        }
        let since = try partner.lastSequence()
        let id = try #require(audience()["id"] as? String)
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/\#(id)/users","latency_ms":3000,"count":2}"#)
        #expect(engine.flush(force: true) == 20_001)
        let uploads = try partner.requests(since: since).filter { ($0["path"] as? String)?.hasSuffix("/users") == true }
        let ended = uploads.compactMap { ($0["time"] as? NSNumber)?.doubleValue }
        #expect(uploads.count == 3 && ended.count == 3)
        #expect(ended.count >= 2 && abs(ended[1] - ended[0]) < 2.5)
        #expect(try figures(0)["synced"] == 20_004 && figures(0)["pending"] == 0)
        #expect((try audience()["members"] as? [String])?.count == 20_004)
    }

    /// A batch claimed before another lane was told to wait (a 429 with Retry-After) does not go out early: the call
    /// checks the account's throttle just before it is made.
    @Test func aClaimedBatchWaitsForAThrottleAnotherLaneWasToldOf() throws {
        let claimed = try test.store.claim(stepID: stepID(0), limit: 10, claimID: "lane", leaseUntil: test.clock.now.addingTimeInterval(30),
                                           now: test.clock.now, policy: nil)
        guard case .success(let destination) = try SyncDestination.resolve(stepID: stepID(0), store: test.store, tokens: engine.tokens,
                                                                          connectors: test.connectors) else { Issue.record("no destination"); return }
        let until = test.clock.now.addingTimeInterval(60)
        try test.store.throttle(partner: .facebook, account: "act_1001", until: until, reason: "Retry-After 60")
        let calls = try partner.lastSequence()
        var activity: [ActivityLine] = []
        let outcomes = engine.deliver(claimed, to: destination, activity: &activity)
        #expect(try partner.lastSequence() == calls && activity.isEmpty)
        #expect(outcomes.count == 1 && outcomes[0].ids.count == 3)
        guard case .retry(let at, let errorClass, _) = outcomes.first?.outcome else { Issue.record("not a retry"); return }
        // The time went through SQLite as seconds since 1970, which need not give back the same last bit of a Date.
        #expect(abs(at.timeIntervalSince(until)) < 0.001 && errorClass == "throttled")
    }

    @Test func removalsFromASmallAudienceWaitUntilItIsLargeEnough() throws {
        engine.flush(force: true)
        test.clock.advance(2 * 3600 + 1)
        try DelayAdvancer(store: test.store, now: { test.clock.now }).advanceDue()
        engine.flush(force: true)
        #expect(try figures(2)["pending"] == 3)
        #expect(try test.store.pendingProblems(stepID: stepID(2)).first?.errorClass == "audience_too_small_to_remove")
        browser.signIn("admin@acme.test")   // two hours ended the session
        #expect(browser.get("/canvases/\(canvas)").text.contains("3 user(s) Pending removal"))
        // Pending removals are not failures: they outlive the 13-hour deadline, tried again every hour.
        for _ in 0..<14 {
            test.clock.advance(3601)
            engine.flush(force: true)
        }
        #expect(try figures(2)["pending"] == 3 && figures(2)["errored"] == 0)
        try partner.call("POST", "/_sandbox/facebook/config", json: #"{"remove_threshold":0}"#)
        test.clock.advance(3601)
        engine.flush(force: true)
        #expect(try figures(2)["synced"] == 3)
        #expect(try audience()["member_count"] as? Int == 0)
    }

    @Test func aThrottledAccountIsLeftAloneUntilItRegainsAccess() throws {
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"count":1,"status":400,"retry_after":600,"error":{"code":80003,"error_subcode":2446079,"type":"OAuthException","message":"(#80003) There have been too many calls to this ad-account."}}"#)
        engine.flush(force: true)
        #expect(try test.store.pendingProblems(stepID: stepID(0)).first?.errorClass == "throttled")
        let calls = try partner.lastSequence()
        test.clock.advance(30)
        engine.flush(force: true)
        #expect(try partner.lastSequence() == calls)   // nothing sent before the regain time
        #expect(try test.store.throttledUntil(partner: .facebook, account: "act_1001", now: test.clock.now) != nil)
        test.clock.advance(600)
        engine.flush(force: true)
        #expect(try figures(0)["synced"] == 3)
    }

    @Test func itemsThatCannotBeSentWithinTheDeadlineAreErroredWithTheReason() throws {
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"status":503}"#)
        engine.flush(force: true)
        test.clock.advance(13 * 3600 + 1)
        engine.flush(force: true)
        #expect(try figures(0)["errored"] == 3 && figures(0)["pending"] == 0)
        #expect(try test.store.pendingProblems(stepID: stepID(0)).first?.message.contains("retry deadline") == true)
    }

    func stepID(_ index: Int) throws -> Int64 { try test.store.steps(canvasID: canvas)[index].id }
}

/// Reads a canvas's step figures through the store, as `data_summary` reports them.
enum StepFiguresProbe {
    static func of(_ test: TestApp, canvas: Int64) throws -> [[String: Int]] {
        try test.store.steps(canvasID: canvas).map { step in
            let items = try test.store.syncItemCounts(stepID: step.id)
            return ["pending": items["pending"] ?? 0, "synced": items["synced"] ?? 0, "errored": items["errored"] ?? 0]
        }
    }
}

extension SyncFlowTests {
    @Test func theLedgerAndActivityLogShowWhatWasSentButNeverTheValues() throws {
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"count":1,"status":500}"#)
        engine.flush(force: true)
        test.clock.advance(10)
        engine.flush(force: true)
        let ledger = browser.get("/ledger", query: [("external_id", "u0")]).text
        #expect(ledger.contains("Will retry") && ledger.contains("Synced") && ledger.contains("EMAIL") && ledger.contains("Sync"))
        #expect(!ledger.contains("ann@example.com") && !ledger.contains(hashes[0]))
        let stepPage = browser.get("/canvases/\(canvas)/steps/\(try stepID(0))").text
        #expect(stepPage.contains("received 3, invalid 0") && stepPage.contains("transient"))
        #expect(stepPage.contains("<svg") && stepPage.contains("<title>Users Synced</title>") && stepPage.contains("Last 7 days"))
        #expect(browser.get("/canvases/\(canvas)/steps/\(try stepID(0))", query: [("range", "30d")]).text.contains("Step figures, last 30 days"))
        // Another workspace's admin sees nothing of it.
        try test.createUser(workspace: "Other", email: "admin@other.test")
        let other = test.browser()
        other.signIn("admin@other.test")
        #expect(other.get("/ledger", query: [("external_id", "u0")]).text.contains("No sync attempt"))
    }

    @Test func erroredUsersCanBeRetriedAfterTheCauseIsFixed() throws {
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"status":503}"#)
        engine.flush(force: true)
        test.clock.advance(13 * 3600 + 1)
        engine.flush(force: true)
        #expect(try figures(0)["errored"] == 3)
        browser.signIn("admin@acme.test")   // thirteen hours ended the session
        #expect(browser.get("/canvases/\(canvas)").text.contains("Retry errored users"))
        // The retry control is shown (not hidden) while the step has errored users, and the badge says how many.
        let errored = browser.get("/canvases/\(canvas)").text
        #expect(errored.contains(#"<details class="retry" id="step-1-retry"><summary>Retry the errored users…</summary>"#))
        #expect(errored.contains(#"<span class="badge level-bad" id="step-1-badge">3 errored</span>"#))
        try partner.call("DELETE", "/_sandbox/faults")
        #expect(browser.postConfirmed("/canvases/\(canvas)/steps/\(try stepID(0))/retry-errored").header("Location")?.contains("retrying") == true)
        engine.flush(force: true)
        #expect(try figures(0)["synced"] == 3 && figures(0)["errored"] == 0)
        #expect(browser.get("/canvases/\(canvas)").text.contains(#"<details class="retry" id="step-1-retry" hidden>"#))
    }
}

extension SyncFlowTests {
    @Test func metricsCountTheQueueForLocalScrapersOnly() throws {
        engine.flush(force: true)
        let local = test.app.respond(to: Request(method: "GET", path: "/metrics", remoteAddress: "127.0.0.1"))
        #expect(local.status == 200 && local.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(local.text.contains(#"audiencesync_sync_items{state="synced"} 3"#))
        #expect(local.text.contains(#"audiencesync_partner_requests{outcome="ok"} 1"#))
        #expect(test.app.respond(to: Request(method: "GET", path: "/metrics", remoteAddress: "203.0.113.5")).status == 404)
    }
}

extension SyncFlowTests {
    @Test func theHourlyCallBudgetPerAdAccountHoldsAcrossEngines() throws {
        var settings = SyncSettings()
        settings.callBudgets = [.facebook: CallBudget(limit: 1, window: 3600)]
        let clock = test.clock
        let limited = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, settings: settings, now: { clock.now })
        #expect(limited.flush(force: true) == 3)   // one call
        _ = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                         headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                         body: Array(#"{"canvas_id":"\#(canvas)","recipients":[{"external_user_id":"late","attributes":{"email":"late@example.com"}}]}"#.utf8)))
        let calls = try partner.lastSequence()
        // A second engine (as after a restart) sees the same budget in the database.
        let restarted = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, settings: settings, now: { clock.now })
        #expect(restarted.flush(force: true) == 0)
        #expect(try partner.lastSequence() == calls)
        #expect(try test.store.pendingProblems(stepID: stepID(0)).first?.message.contains("call budget (1 calls an hour) is used up") == true)
        test.clock.advance(3601)
        #expect(restarted.flush(force: true) == 1)
        #expect(try figures(0)["synced"] == 4)
    }
}

extension SyncFlowTests {
    @Test func aBatchRefusedForOneBadRowSyncsTheOthersAndFailsOnlyThatRow() throws {
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                    headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(#"{"canvas_id":"\#(canvas)","recipients":[{"external_user_id":"odd","attributes":{"email":"odd@example.com"}}]}"#.utf8)))
        #expect(response.status == 201)
        // Facebook refuses a whole call for one malformed row; the sandbox does so for any call carrying this one.
        let odd = Hex.encode(Array(SHA256.hash(data: Array("odd@example.com".utf8))))
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","body_contains":"\#(odd)","status":400,"error":{"code":100,"type":"OAuthException","message":"(#100) Invalid data in payload: a row is malformed"}}"#)
        #expect(engine.flush(force: true) == 4)
        #expect(try figures(0)["synced"] == 3 && figures(0)["errored"] == 1)
        #expect(try audience()["members"] as? [String] == hashes)
        let uploads = try partner.requests().filter { ($0["path"] as? String)?.hasSuffix("/users") == true }
        #expect(uploads.count >= 3)   // the whole batch, then halves until the row was alone
        let ledger = browser.get("/ledger", query: [("external_id", "odd")]).text
        #expect(ledger.contains("Errored") && ledger.contains("Invalid data in payload"))
    }
}

extension SyncFlowTests {
    @Test func aSlowDestinationHoldsUpNoOther() throws {
        // A second canvas with its own audience.
        browser.get("/canvases")
        let other = try #require(trailingID(browser.post("/canvases", [("name", "Fast")])))
        _ = try Self.addStep(browser, other, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                               ("audience_name", "Fast buyers"), ("action", "add"), ("field", "email")])
        browser.get("/canvases/\(other)")
        browser.postConfirmed("/canvases/\(other)/launch")
        let slow = try #require(audience()["id"] as? String)
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/\#(slow)/users","latency_ms":5000}"#)
        var settings = SyncSettings()
        settings.interval = 0.1
        settings.tick = 0.05
        let live = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, settings: settings)   // real clock
        live.start()
        defer { live.stop() }
        let fastStep = try #require(test.store.steps(canvasID: other).first?.id)
        // While the slow audience's call hangs, users entering the other canvas keep going out.
        for round in 1...3 {
            let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                        headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                        body: Array(#"{"canvas_id":"\#(other)","recipients":[{"external_user_id":"f\#(round)","attributes":{"email":"f\#(round)@example.com"}}]}"#.utf8)))
            #expect(response.status == 201)
            let deadline = Date().addingTimeInterval(3)
            while try test.store.syncItemCounts(stepID: fastStep)["synced"] ?? 0 < round, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            #expect(try test.store.syncItemCounts(stepID: fastStep)["synced"] == round)
        }
        #expect(try figures(0)["synced"] == 0)   // the slow call is still in flight
    }
}
