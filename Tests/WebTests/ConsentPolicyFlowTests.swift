import Core
import Crypto
import FastCGI
import Foundation
import Storage
@testable import Sync
import TestSupport
import Testing

/// The workspace consent policy through the real responder, store, engine and sandbox: users who opted out never
/// reach the partner whatever the canvas's criteria say, are counted Not Synced — no consent with the reason, and the
/// policy changes only through an admin's confirmed request.
@Suite struct ConsentPolicyFlowTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let browser: TestBrowser
    let key: String
    let canvas: Int64
    let engine: SyncEngine

    /// A live canvas with no entry criteria (everyone enters) and one step adding emails to a new Facebook audience.
    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001"])
        key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser.get("/canvases")
        canvas = try #require(trailingID(browser.post("/canvases", [("name", "Everyone")])))
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                                         ("audience_name", "Buyers"), ("action", "add"), ("field", "email")])
        browser.get("/canvases/\(canvas)")
        browser.postConfirmed("/canvases/\(canvas)/launch")
        let clock = test.clock
        engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
    }

    func api(_ path: String, _ body: String) -> Response {
        test.app.respond(to: Request(method: "POST", path: path, headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                     body: Array(body.utf8)))
    }

    /// Enters `recipients` (external id, attributes JSON) into `canvas` (this suite's canvas unless named).
    func trigger(_ recipients: [(String, String)], canvas: Int64? = nil) {
        let list = recipients.map { #"{"external_user_id":"\#($0.0)","attributes":{\#($0.1)}}"# }.joined(separator: ",")
        #expect(api("/api/v1/canvas/trigger/send", #"{"canvas_id":"\#(canvas ?? self.canvas)","recipients":[\#(list)]}"#).status == 201)
    }

    /// The members of the sandbox audience named `name`.
    func members(of name: String = "Buyers") throws -> [String] {
        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        let id = try #require((state?["audiences"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["id"])
        return (try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any])?["members"] as? [String] ?? []
    }

    func summary() throws -> [String: Any] {
        let response = test.app.respond(to: Request(method: "GET", path: "/api/v1/canvas/data_summary", query: FormValues([(name: "canvas_id", value: String(canvas))]),
                                                    headers: ["authorization": "Bearer " + key]))
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return try #require((json?["steps"] as? [[String: Any]])?.first)
    }

    static func sha(_ text: String) -> String { Hex.encode(Array(SHA256.hash(data: Array(text.utf8)))) }

    @Test func optedOutUsersEnterButNeverReachThePartnerAndAreCountedWithTheirReason() throws {
        trigger([("ok", #""email":"ok@example.com""#), ("no-ads", #""email":"noads@example.com","ads_tracking_enabled":false"#),
                 ("dns", #""email":"dns@example.com","do_not_sell":true"#)])
        engine.flush(force: true)
        #expect(try members() == [Self.sha("ok@example.com")])
        let step = try summary()
        #expect(step["entered"] as? Int == 3 && step["synced"] as? Int == 1 && step["not_synced"] as? Int == 2)
        #expect((step["not_synced_by_reason"] as? [String: Int])?["no_consent"] == 2)
        #expect(step["not_synced_by_consent"] as? [String: Int] == ["ads_tracking_enabled is false": 1, "do_not_sell is true": 1])
        let ledger = browser.get("/ledger", query: [("external_id", "dns")]).text
        #expect(ledger.contains("Not synced — no consent") && ledger.contains("Blocked by the workspace consent policy: do_not_sell is true"))
        let page = browser.get("/canvases/\(canvas)").text
        #expect(page.contains(#"id="consent-policy""#) && page.contains("do_not_sell is true"))
        let bodies = try partner.requests().compactMap { $0["body"] as? String }.joined()
        #expect(!bodies.contains(Self.sha("noads@example.com")) && !bodies.contains(Self.sha("dns@example.com")))
    }

    @Test func aUserWhoOptsOutWhileWaitingToSyncIsKeptBackAtTheLastGate() throws {
        trigger([("a", #""email":"a@example.com""#), ("b", #""email":"b@example.com""#)])
        #expect(api("/api/v1/users/track", #"{"attributes":[{"external_id":"b","do_not_sell":true}]}"#).status == 201)
        engine.flush(force: true)
        #expect(try members() == [Self.sha("a@example.com")])
        let step = try summary()
        #expect(step["synced"] as? Int == 1 && step["pending"] as? Int == 0 && step["not_synced"] as? Int == 1 && step["entered"] as? Int == 2)
    }

    @Test func anAdminTightensThePolicyOnlyAfterAConfirmationThatCountsTheEffect() throws {
        trigger([("silent", #""email":"silent@example.com""#), ("yes", #""email":"yes@example.com","ads_tracking_enabled":true"#)])
        browser.get("/settings/privacy")
        let form = [("attribute_0", "ads_tracking_enabled"), ("meaning_0", "true_grants"), ("requirement_0", "opt_in")]
        let review = browser.post("/settings/privacy", form)
        #expect(review.status == 200)
        #expect(review.text.contains("Change the consent policy?") && review.text.contains("1 users waiting to sync will not be sent"))
        #expect(try test.store.consentPolicy(workspaceID: 1) == .standard)   // nothing saved before the confirmation
        #expect(test.securityLog.all.allSatisfy { !$0.contains("consent_policy.changed") })

        let saved = browser.post("/settings/privacy", form + [("confirmed", "1")])
        #expect(saved.status == 303)
        let policy = try test.store.consentPolicy(workspaceID: 1)
        #expect(policy.conditions.first { $0.attribute == "ads_tracking_enabled" }?.requirement == .optIn)
        #expect(policy.conditions.count == ConsentPolicy.standard.conditions.count)   // the other standard conditions stayed
        #expect(test.securityLog.all.contains { $0.contains("event=consent_policy.changed") && $0.contains("actor=\"admin@acme.test\"") })
        engine.flush(force: true)
        #expect(try members() == [Self.sha("yes@example.com")])
    }

    @Test func membersCannotChangeThePolicyAndTheStandardConditionsCannotBeDropped() throws {
        try test.createUser(workspace: "Acme", email: "member@acme.test", role: .member)
        let member = test.browser()
        member.signIn("member@acme.test")
        #expect(member.get("/settings/privacy").text.contains("Only an admin can change the consent policy."))
        #expect(member.post("/settings/privacy", [("attribute_0", "gpc"), ("meaning_0", "true_refuses"), ("requirement_0", "no_opt_out"),
                                                  ("confirmed", "1")]).status == 403)
        // A forged form that leaves out every standard condition keeps them.
        browser.get("/settings/privacy")
        #expect(browser.post("/settings/privacy", [("new_attribute", "gpc"), ("new_meaning", "true_refuses"), ("new_requirement", "no_opt_out"),
                                                   ("confirmed", "1")]).status == 303)
        let attributes = try test.store.consentPolicy(workspaceID: 1).conditions.map(\.attribute)
        #expect(Set(attributes) == Set(ConsentAttribute.known.map(\.name) + ["gpc"]))
        let refused = browser.post("/settings/privacy", [("new_attribute", "$bad")])
        #expect(refused.status == 422 && refused.text.contains("cannot start with $"))
    }
}
