import Core
import Crypto
import FastCGI
import Foundation
import Partners
import Storage
@testable import Sync
import TestSupport
import Testing

/// Meta's Limited Data Use end to end: a user tracked with `data_processing_options: ["LDU"]` reaches the sandbox's
/// audience flagged LDU, one tracked without it reaches it unflagged.
@Suite struct LimitedDataUseSyncTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let key: String

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        let browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001"])
        key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", "LDU")])))
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                                        ("audience_name", "LDU buyers"), ("action", "add"), ("field", "email")])
        browser.get("/canvases/\(canvas)")
        browser.postConfirmed("/canvases/\(canvas)/launch")

        #expect(call("/api/v1/users/track", #"""
            {"attributes":[{"external_id":"u1","email":"ldu@example.com","data_processing_options":["LDU"]},
                           {"external_id":"u2","email":"plain@example.com"}]}
            """#).status == 201)
        #expect(call("/api/v1/canvas/trigger/send",
                     #"{"canvas_id":"\#(canvas)","recipients":[{"external_user_id":"u1"},{"external_user_id":"u2"}]}"#).status == 201)
    }

    func call(_ path: String, _ body: String) -> Response {
        test.app.respond(to: Request(method: "POST", path: path, headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                     body: Array(body.utf8)))
    }

    static func hash(_ email: String) -> String { Hex.encode(Array(SHA256.hash(data: Array(email.utf8)))) }

    @Test func theLDUUserArrivesFlaggedAndTheOtherDoesNot() throws {
        let clock = test.clock
        let engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        #expect(engine.flush(force: true) == 2)

        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        let id = try #require((state?["audiences"] as? [[String: Any]])?.first { $0["name"] as? String == "LDU buyers" }?["id"])
        let audience = try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any] ?? [:]
        #expect(audience["members"] as? [String] == [Self.hash("ldu@example.com"), Self.hash("plain@example.com")].sorted())
        #expect(audience["ldu_members"] as? [String] == [Self.hash("ldu@example.com")])

        let upload = try #require(try partner.requests().last { ($0["path"] as? String)?.hasSuffix("/users") == true })
        let body = upload["body"] as? String ?? ""
        #expect(body.contains(#""schema":["EMAIL","DATA_PROCESSING_OPTIONS"]"#))
        #expect(body.contains(#"[""# + Self.hash("ldu@example.com") + #"",["LDU"]]"#))
        #expect(body.contains(#"[""# + Self.hash("plain@example.com") + #"",[]]"#))
    }
}
