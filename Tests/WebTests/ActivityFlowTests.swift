import Core
import Crypto
import FastCGI
import Foundation
import Storage
@testable import Sync
import TestSupport
import Testing

/// Events and purchases in entry criteria and segments, and action-based entry (issue 16), through the real
/// responder, store, engine and Facebook sandbox.
@Suite struct ActivityFlowTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let browser: TestBrowser
    let key: String
    let engine: SyncEngine

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001"])
        key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        let clock = test.clock
        engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
    }

    func api(_ path: String, _ body: String) -> (status: Int, body: [String: Any]) {
        let response = test.app.respond(to: Request(method: "POST", path: path, headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(body.utf8)))
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:])
    }

    /// `days` days before the test clock, as `/users/track` takes times.
    func daysAgo(_ days: Double) -> String { ISO8601DateFormatter().string(from: test.clock.now.addingTimeInterval(-days * 86_400)) }

    func event(_ user: String, _ name: String, daysAgo days: Double) -> String {
        #"{"external_id":"\#(user)","name":"\#(name)","time":"\#(daysAgo(days))"}"#
    }

    func purchase(_ user: String, _ product: String, daysAgo days: Double) -> String {
        #"{"external_id":"\#(user)","product_id":"\#(product)","price":10,"currency":"USD","time":"\#(daysAgo(days))"}"#
    }

    /// A draft canvas adding emails to a new Facebook audience named `audience`.
    func canvas(_ name: String, audience: String) throws -> Int64 {
        browser.get("/canvases")
        let id = try #require(trailingID(browser.post("/canvases", [("name", name)])))
        _ = try SyncFlowTests.addStep(browser, id, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                                     ("audience_name", audience), ("action", "add"), ("field", "email")])
        return id
    }

    func members(_ audience: String) throws -> [String] {
        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        guard let id = (state?["audiences"] as? [[String: Any]])?.first(where: { $0["name"] as? String == audience })?["id"] else { return [] }
        return (try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any])?["members"] as? [String] ?? []
    }

    static func sha(_ text: String) -> String { Hex.encode(Array(SHA256.hash(data: Array(text.utf8)))) }

    @Test func aSegmentOfUsersWhoViewedPricingInTheLastWeekCountsTheRightUsers() throws {
        let users = ["recent", "old", "other", "never"].map { #"{"external_id":"\#($0)","email":"\#($0)@example.com"}"# }.joined(separator: ",")
        let events = [event("recent", "viewed_pricing", daysAgo: 2), event("old", "viewed_pricing", daysAgo: 9), event("other", "signed_up", daysAgo: 1)]
        #expect(api("/api/v1/users/track", #"{"attributes":[\#(users)],"events":[\#(events.joined(separator: ","))]}"#).status == 201)
        browser.get("/segments")
        let id = try #require(trailingID(browser.post("/segments", [("name", "Pricing viewers")])))
        var page = browser.get("/segments/\(id)").text
        #expect(page.contains(#"id="activity-filter""#) && page.contains("performed event … in the last N days"))
        #expect(browser.post("/segments/\(id)/add-filter", [("op", "performed_event"), ("attribute", "viewed_pricing"), ("value", "7"),
                                                             ("group", "new")]).status == 303)
        page = browser.get("/segments/\(id)").text
        #expect(page.contains("performed viewed_pricing in the last 7 days"))
        #expect(page.contains(#"<strong id="size">1 users</strong>"#) || page.contains(#"<strong id="size">1 user</strong>"#))
        #expect(page.contains("<td>recent</td>") && !page.contains("<td>old</td>") && !page.contains("<td>other</td>"))
        // Performing it again moves "old" in: nothing is cached.
        #expect(api("/api/v1/users/track", #"{"attributes":[{"external_id":"old"}],"events":[\#(event("old", "viewed_pricing", daysAgo: 0))]}"#).status == 201)
        page = browser.get("/segments/\(id)").text
        #expect(page.contains(#"<strong id="size">2 users</strong>"#) && page.contains("<td>old</td>"))
    }

    @Test func badActivityFilterInputIsRefusedNextToItsFields() throws {
        let id = try canvas("Buyers", audience: "Buyers")
        browser.get("/canvases/\(id)")
        let refused = browser.post("/canvases/\(id)/add-filter", [("op", "performed_event"), ("attribute", "viewed_pricing"), ("value", "0"),
                                                                  ("group", "new")])
        #expect(refused.status == 422)
        #expect(refused.text.contains(#"<p class="field-error" id="activity-error">Enter the number of days as a whole number from 1 to 3650.</p>"#))
        let noName = browser.post("/canvases/\(id)/add-filter", [("op", "purchased_product"), ("attribute", " "), ("value", "30"), ("group", "new")])
        #expect(noName.status == 422 && noName.text.contains(#"id="activity-error">Enter the product id.</p>"#))
        #expect(try EntryCriteria(jsonText: try test.store.canvas(workspaceID: 1, id: id).entryCriteriaJSON) == .everyone)
    }

    @Test func aCanvasWithPurchasedGoldCriteriaEntersOnlyGoldBuyers() throws {
        let id = try canvas("Gold buyers", audience: "Gold")
        browser.get("/canvases/\(id)")
        #expect(browser.post("/canvases/\(id)/add-filter", [("op", "purchased_product"), ("attribute", "gold"), ("value", "30"), ("group", "new")]).status == 303)
        #expect(browser.get("/canvases/\(id)").text.contains("purchased gold in the last 30 days"))
        browser.postConfirmed("/canvases/\(id)/launch")
        let users = ["gold", "silver", "stale"].map { #"{"external_id":"\#($0)","email":"\#($0)@example.com"}"# }.joined(separator: ",")
        let purchases = [purchase("gold", "gold", daysAgo: 3), purchase("silver", "silver", daysAgo: 3), purchase("stale", "gold", daysAgo: 45)]
        #expect(api("/api/v1/users/track", #"{"attributes":[\#(users)],"purchases":[\#(purchases.joined(separator: ","))]}"#).status == 201)
        let answer = api("/api/v1/canvas/trigger/send", #"{"canvas_id":"\#(id)","recipients":[{"external_user_id":"gold"},{"external_user_id":"silver"},{"external_user_id":"stale"}]}"#)
        #expect(answer.status == 201 && answer.body["entered"] as? Int == 1)
        #expect((answer.body["not_entered"] as? [[String: Any]])?.compactMap { $0["external_user_id"] as? String } == ["silver", "stale"])
        engine.flush(force: true)
        #expect(try members("Gold") == [Self.sha("gold@example.com")])
        // The ledger judges the same way.
        #expect(browser.get("/ledger", query: [("external_id", "gold")]).text.contains("Matches the entry criteria."))
    }

    @Test func performingTheEventEntersTheUserAndOptedOutUsersNeverReachThePartner() throws {
        let id = try canvas("Pricing", audience: "Pricing")
        browser.get("/canvases/\(id)")
        #expect(browser.post("/canvases/\(id)/entry-action", [("entry_action", "event"), ("entry_action_name", "viewed_pricing")]).status == 303)
        #expect(browser.get("/canvases/\(id)").text.contains("Users enter when they perform viewed_pricing, if they match the entry criteria."))
        browser.postConfirmed("/canvases/\(id)/launch")
        let track = """
            {"attributes":[{"external_id":"a","email":"a@example.com"},{"external_id":"b","email":"b@example.com","ads_tracking_enabled":false},
                           {"external_id":"c","email":"c@example.com"}],
             "events":[\(event("a", "viewed_pricing", daysAgo: 0)),\(event("b", "viewed_pricing", daysAgo: 0)),\(event("c", "signed_up", daysAgo: 0))]}
            """
        #expect(api("/api/v1/users/track", track).status == 201)
        engine.flush(force: true)
        #expect(try members("Pricing") == [Self.sha("a@example.com")])
        let bodies = try partner.requests().compactMap { $0["body"] as? String }.joined()
        #expect(!bodies.contains(Self.sha("b@example.com")) && !bodies.contains(Self.sha("c@example.com")))
        // An attribute change alone enters nobody: automatic entry is off.
        #expect(api("/api/v1/users/track", #"{"attributes":[{"external_id":"c","country":"US"}]}"#).status == 201)
        #expect(try test.store.stepTotals(canvasID: id).values.compactMap { $0[.entered] }.reduce(0, +) == 2)   // a and b entered; b was kept back
    }

    @Test func aLaunchedCanvasChangesItsEntryActionOnlyAfterConfirmingAndBadInputIsShownNextToTheField() throws {
        let id = try canvas("Buyers", audience: "Buyers")
        browser.postConfirmed("/canvases/\(id)/launch")
        browser.get("/canvases/\(id)")
        let refused = browser.post("/canvases/\(id)/entry-action", [("entry_action", "event"), ("entry_action_name", "  ")])
        #expect(refused.status == 422)
        #expect(refused.text.contains(#"<p class="field-error" id="entry-action-name-error">Enter the event name, such as viewed_pricing.</p>"#))
        let asked = browser.post("/canvases/\(id)/entry-action", [("entry_action", "purchase"), ("entry_action_name", "")])
        #expect(asked.status == 200 && asked.text.contains("Enter users of “Buyers” when they make any purchase?"))
        #expect(try test.store.canvas(workspaceID: 1, id: id).entryAction == nil)   // nothing saved before the confirmation
        #expect(browser.postConfirmed("/canvases/\(id)/entry-action", [("entry_action", "purchase"), ("entry_action_name", "")]).status == 303)
        #expect(try test.store.canvas(workspaceID: 1, id: id).entryAction == .purchase(productID: nil))
        let track = #"{"attributes":[{"external_id":"p","email":"p@example.com"}],"purchases":[\#(purchase("p", "anything", daysAgo: 0))]}"#
        #expect(api("/api/v1/users/track", track).status == 201)
        engine.flush(force: true)
        #expect(try members("Buyers") == [Self.sha("p@example.com")])
    }

    @Test func automaticEntryEntersUsersWhomAnEventMakesMatchOnceNotAgainWhileTheyStillMatch() throws {
        let id = try canvas("Warm leads", audience: "Warm")
        browser.get("/canvases/\(id)")
        #expect(browser.post("/canvases/\(id)/add-filter", [("op", "performed_event"), ("attribute", "viewed_pricing"), ("value", "7"), ("group", "new")]).status == 303)
        #expect(browser.post("/canvases/\(id)/auto-enter", [("auto_enter", "on")]).status == 303)
        browser.postConfirmed("/canvases/\(id)/launch")
        // Created without the event: no match, no entry.
        #expect(api("/api/v1/users/track", #"{"attributes":[{"external_id":"w","email":"w@example.com"}]}"#).status == 201)
        #expect(try test.store.stepTotals(canvasID: id).values.compactMap { $0[.entered] }.reduce(0, +) == 0)
        // The event makes them match: they enter in the request that records it.
        let first = #"{"attributes":[{"external_id":"w"}],"events":[\#(event("w", "viewed_pricing", daysAgo: 0))]}"#
        #expect(api("/api/v1/users/track", first).status == 201)
        #expect(try test.store.stepTotals(canvasID: id).values.compactMap { $0[.entered] }.reduce(0, +) == 1)
        // Performing it again changes nothing: they matched before.
        #expect(api("/api/v1/users/track", first).status == 201)
        #expect(try test.store.stepTotals(canvasID: id).values.compactMap { $0[.entered] }.reduce(0, +) == 1)
        engine.flush(force: true)
        #expect(try members("Warm") == [Self.sha("w@example.com")])
    }
}
