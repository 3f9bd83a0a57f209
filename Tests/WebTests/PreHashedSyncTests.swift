import Core
import FastCGI
import Foundation
import Partners
import Storage
import Sync
import TestSupport
import Testing

/// What reaches the partner from leniently ingested values (issue 16): an email sent already SHA-256 hashed leaves
/// as given (lower-cased), not hashed again; a messy email leaves as the hash of its canonical form.
@Suite struct PreHashedSyncTests {
    @Test func aPreHashedEmailReachesTheSandboxAsGivenAndAMessyOneCanonically() throws {
        let sandbox = try SandboxStack()
        let partner = SandboxClient(url: sandbox.url)
        let test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        let browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001"])
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", "Hashed")])))
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                                         ("audience_name", "Pre-hashed"), ("action", "add"), ("field", "email")])
        browser.get("/canvases/\(canvas)")
        browser.postConfirmed("/canvases/\(canvas)/launch")

        let digest = IdentifierHashing.sha256Hex("ann@example.com")
        let body = """
            {"canvas_id":"\(canvas)","recipients":[{"external_user_id":"u0","attributes":{"email":"\(digest.uppercased())"}},
                                                  {"external_user_id":"u1","attributes":{"email":"  Bob@Example.COM "}}]}
            """
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                    headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(body.utf8)))
        #expect(response.status == 201)
        let clock = test.clock
        let engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        #expect(engine.flush(force: true) == 2)

        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        let id = try #require((state?["audiences"] as? [[String: Any]])?.first { $0["name"] as? String == "Pre-hashed" }?["id"])
        let audience = try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any] ?? [:]
        #expect(audience["members"] as? [String] == [digest, IdentifierHashing.sha256Hex("bob@example.com")].sorted())
    }
}
