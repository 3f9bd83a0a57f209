import Core
import FastCGI
import Foundation
import Partners
import Storage
@testable import Sync
import TestSupport
import Testing

/// A long partner outage in compressed time (reliability.md Q-11, L-3 "14-hour outage"): the real sync engine, real
/// libcurl against a real sandbox answering 503, a real SQLite file, and a clock moved by hand a minute per pass.
///
/// - 14 hours down: every user ends Errored with the deadline reason, the owner gets one alert email, the retries
///   back off (never more than an hour apart, a bounded number of calls), and after the partner is back a re-drive
///   sends every user exactly once.
/// - Down for 12 h 50 min, then back: every user ends Synced (the deadline is 13 hours from the first attempt).
@Suite(.serialized) struct OutageTests {
    static let users = 1_000
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let browser: TestBrowser
    let canvas: Int64
    let step: Int64
    let engine: SyncEngine

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001"])
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser.get("/canvases")
        canvas = try #require(trailingID(browser.post("/canvases", [("name", "Outage")])))
        step = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                                           ("audience_name", "Outage buyers"), ("action", "add"), ("field", "email")])
        browser.get("/canvases/\(canvas)")
        browser.postConfirmed("/canvases/\(canvas)/launch")
        let clock = test.clock
        engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        let recipients = (0..<Self.users).map { #"{"external_user_id":"o\#($0)","attributes":{"email":"o\#($0)@example.com"}}"# }
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                    headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(#"{"canvas_id":"\#(canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#.utf8)))
        #expect(response.status == 201)
    }

    /// Every call to the audience's `/users` edge the sandbox logged: (status, sequence).
    func userCalls() throws -> [(status: Int, seq: Int)] {
        var all: [(Int, Int)] = []
        var since = 0
        while true {
            let page = try partner.requests(since: since)
            guard !page.isEmpty else { return all }
            for entry in page {
                let seq = (entry["seq"] as? NSNumber)?.intValue ?? 0
                since = max(since, seq)
                if (entry["path"] as? String)?.hasSuffix("/users") == true { all.append(((entry["status"] as? NSNumber)?.intValue ?? 0, seq)) }
            }
        }
    }

    func audience() throws -> [String: Any] {
        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        let id = try #require((state?["audiences"] as? [[String: Any]])?.first { $0["name"] as? String == "Outage buyers" }?["id"])
        return try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any] ?? [:]
    }

    func counts() throws -> [String: Int] { try test.store.syncItemCounts(stepID: step) }

    /// Moves the clock a minute at a time for `seconds`, one engine pass per minute (production passes every 0.5 s);
    /// returns the clock times at which a call reached the partner.
    @discardableResult
    func run(for seconds: TimeInterval, start: Date) throws -> [TimeInterval] {
        var callTimes: [TimeInterval] = []
        var seen = try userCalls().count
        let end = test.clock.now.addingTimeInterval(seconds)
        while test.clock.now < end {
            engine.flush()
            let now = try userCalls().count
            if now > seen { callTimes.append(test.clock.now.timeIntervalSince(start)); seen = now }
            test.clock.advance(60)
        }
        return callTimes
    }

    @Test func aFourteenHourOutageErrorsEveryUserWithTheDeadlineReasonAndARedriveSendsEachOnce() throws {
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"status":503}"#)
        let start = test.clock.now
        let callTimes = try run(for: 14 * 3600, start: start)

        let figures = try counts()
        #expect(figures["errored"] == Self.users && (figures["pending"] ?? 0) == 0 && (figures["synced"] ?? 0) == 0)
        #expect(try test.store.erroredByClass(stepID: step).values.reduce(0, +) == Self.users)
        let reasons = try test.store.pendingProblems(stepID: step).map(\.message).joined(separator: " | ")
        #expect(reasons.contains("13 hours") || reasons.contains("retry deadline"), "reasons: \(reasons)")
        // The owner is told once, by email (queued in the outbox: no SMTP server here).
        let mails = try test.store.outbox(workspaceID: 1).filter { $0.subject.contains("could not be synced to Facebook") }
        #expect(mails.count == 1 && mails.first?.recipient == "admin@acme.test")
        // Backoff, not hammering: calls at most an hour apart at the end, a bounded number over 14 hours, none after
        // the deadline, and no 2xx (the partner never accepted anything).
        let gaps = zip(callTimes.dropFirst(), callTimes).map { $0 - $1 }
        #expect(callTimes.count >= 13 && callTimes.count <= 30, "\(callTimes.count) calls at \(callTimes)")
        #expect((gaps.max() ?? 0) <= 3600 + 60 && (callTimes.last ?? 0) <= 13 * 3600 + 60)
        #expect(try userCalls().allSatisfy { $0.status == 503 })
        print("14-h outage: \(Self.users) users, \(callTimes.count) calls to the partner (largest gap \(Int(gaps.max() ?? 0)) s),"
              + " errored \(figures["errored"] ?? 0), alert emails \(mails.count)")

        // The partner is back; the owner presses "Retry errored users" on the canvas page: each user goes once.
        try partner.call("DELETE", "/_sandbox/faults")
        browser.signIn("admin@acme.test")   // the long night ended the session
        browser.get("/canvases/\(canvas)")
        #expect(browser.postConfirmed("/canvases/\(canvas)/steps/\(step)/retry-errored").status == 303)
        try run(for: 600, start: start)
        #expect(try counts()["synced"] == Self.users && (counts()["errored"] ?? 0) == 0)
        let detail = try audience()
        #expect(detail["member_count"] as? Int == Self.users)
        #expect(detail["adds"] as? Int == Self.users)   // nothing sent twice
        print("re-drive after recovery: synced \(try counts()["synced"] ?? 0), rows the partner received \(detail["adds"] ?? "?")")
    }

    @Test func anOutageThatEndsBeforeTheDeadlineEndsWithEveryUserSynced() throws {
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"status":503}"#)
        let start = test.clock.now
        try run(for: 12 * 3600 + 50 * 60, start: start)
        #expect(try counts()["pending"] == Self.users)
        try partner.call("DELETE", "/_sandbox/faults")
        try run(for: 3600, start: start)
        let figures = try counts()
        #expect(figures["synced"] == Self.users && (figures["errored"] ?? 0) == 0)
        #expect(try audience()["adds"] as? Int == Self.users)
        print("12 h 50 min outage, then recovery: synced \(figures["synced"] ?? 0) of \(Self.users), errored \(figures["errored"] ?? 0)")
    }
}
