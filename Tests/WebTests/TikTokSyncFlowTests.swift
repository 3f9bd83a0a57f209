import Core
import Crypto
import FastCGI
import Foundation
import Partners
import Storage
@testable import Sync
import TestSupport
import Testing

/// Queued users reaching a TikTok audience through the sync engine, and leaving it by a later Remove step.
@Suite struct TikTokSyncFlowTests {
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
        browser = try connectTikTok(test, as: "admin@acme.test", accounts: ["7000000000001"])
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser.get("/canvases")
        canvas = try #require(trailingID(browser.post("/canvases", [("name", "TikTok sync")])))
        let add = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [
            ("destination", "tiktok|7000000000001"), ("audience_mode", "new"), ("audience_name", "Synced buyers"), ("action", "add"),
            ("field", "email"),
        ])
        _ = try SyncFlowTests.addStep(browser, canvas, "delay", [("amount", "2"), ("unit", "hours")])
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [
            ("destination", "tiktok|7000000000001"), ("audience_mode", "from_step"), ("source_step", String(add)), ("action", "remove"),
            ("field", "email"),
        ])
        browser.get("/canvases/\(canvas)")
        #expect(browser.postConfirmed("/canvases/\(canvas)/launch").header("Location")?.contains("launched") == true)
        let clock = test.clock
        engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        let recipients = emails.enumerated().map { #"{"external_user_id":"u\#($0.offset)","attributes":{"email":"\#($0.element)"}}"# }
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                    headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(#"{"canvas_id":"\#(canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#.utf8)))
        #expect(response.status == 201)
    }

    var hashes: [String] { emails.map { "EMAIL_SHA256:" + Hex.encode(Array(SHA256.hash(data: Array($0.lowercased().utf8)))) }.sorted() }

    func members() throws -> [String] {
        let state = try partner.call("GET", "/_sandbox/tiktok/state") as? [String: Any]
        let audiences = (state?["audiences"] as? [[String: Any]] ?? []).filter { ($0["name"] as? String)?.hasPrefix("Synced buyers [AudienceSync ") == true }
        #expect(audiences.count == 1)   // created once, with the creation key in its name
        let id = try #require(audiences.first?["audience_id"] as? String)
        let audience = try partner.call("GET", "/_sandbox/tiktok/audiences/\(id)") as? [String: Any]
        return (audience?["members"] as? [[String: Any]] ?? []).map { "\($0["id_type"] ?? ""):\($0["id"] ?? "")" }.sorted()
    }

    @Test func addsHashedEmailsThenRemovesThem() throws {
        #expect(engine.flush(force: true) == 3)
        #expect(try members() == hashes)
        let log = try partner.call("GET", "/_sandbox/requests?partner=tiktok") as? [String: Any]
        let mapping = try #require((log?["requests"] as? [[String: Any]])?.last { ($0["path"] as? String)?.hasSuffix("/segment/mapping/") == true })
        let body = mapping["body"] as? String ?? ""
        #expect(body.contains(#""action":"add""#) && body.contains(#""id_schema":["EMAIL_SHA256"]"#) && !body.contains("@example.com"))

        test.clock.advance(2 * 3600 + 1)
        try DelayAdvancer(store: test.store, now: { test.clock.now }).advanceDue()
        #expect(engine.flush(force: true) == 3)
        #expect(try members().isEmpty)
        let steps = try StepFiguresProbe.of(test, canvas: canvas)
        #expect(steps[0]["synced"] == 3 && steps[2]["synced"] == 3)
    }
}
