import Core
import Crypto
import FastCGI
import Foundation
import TestSupport
import Testing

/// The engine's per-type requests for a partner that takes one identifier type per request (Snapchat): a step
/// matching on email and phone sends one request per type, each user in the requests of the fields it has.
@Suite struct PerTypeRequestTests {
    let flow: SnapchatSyncFlowTests

    init() throws { flow = try SnapchatSyncFlowTests() }

    static func sha(_ text: String) -> String { Hex.encode(Array(SHA256.hash(data: Array(text.utf8)))) }

    @Test func aStepOnEmailAndPhoneSendsOneRequestPerTypeAndEachUserWhereItHasAValue() throws {
        let test = flow.test
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Per type")
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", "Email and phone")])))
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", "snapchat|" + SnapchatSyncFlowTests.account),
                                                                         ("audience_mode", "new"), ("audience_name", "Snap both"), ("action", "add"),
                                                                         ("field", "email"), ("field", "phone")])
        browser.get("/canvases/\(canvas)")
        #expect(browser.postConfirmed("/canvases/\(canvas)/launch").header("Location")?.contains("launched") == true)
        _ = flow.engine.flush(force: true)   // the setup's own canvas
        let before = try flow.requests().count
        let recipients = [
            #"{"external_user_id":"both","attributes":{"email":"both@example.com","phone":"+1 650 555 0101"}}"#,
            #"{"external_user_id":"mail","attributes":{"email":"mail@example.com"}}"#,
            #"{"external_user_id":"tel","attributes":{"phone":"+1 650 555 0102"}}"#,
        ]
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                    headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(#"{"canvas_id":"\#(canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#.utf8)))
        #expect(response.status == 201)
        #expect(flow.engine.flush(force: true) == 3)

        let uploads = try flow.requests().dropFirst(before).filter { ($0["path"] as? String)?.hasSuffix("/users") == true }
        let bodies = uploads.compactMap { $0["body"] as? String }
        #expect(bodies.count == 2)
        #expect(bodies.filter { $0.contains("EMAIL_SHA256") && !$0.contains("PHONE_SHA256") }.count == 1)
        #expect(bodies.filter { $0.contains("PHONE_SHA256") && !$0.contains("EMAIL_SHA256") }.count == 1)
        let state = try flow.partner.call("GET", "/_sandbox/snapchat/state") as? [String: Any]
        let id = try #require((state?["segments"] as? [[String: Any]])?.first { $0["name"] as? String == "Snap both" }?["id"] as? String)
        let segment = try flow.partner.call("GET", "/_sandbox/snapchat/audiences/\(id)") as? [String: Any]
        #expect(segment?["members_by_schema"] as? [String: [String]] == [
            "EMAIL_SHA256": [Self.sha("both@example.com"), Self.sha("mail@example.com")].sorted(),
            "PHONE_SHA256": [Self.sha("16505550101"), Self.sha("16505550102")].sorted(),
        ])
        let summary = try StepFiguresProbe.of(test, canvas: canvas)
        #expect(summary[0]["synced"] == 3 && summary[0]["pending"] == 0)
    }
}
