import Core
import FastCGI
import Foundation
import Storage
import TestSupport
import Testing

/// `events` and `purchases` on `/users/track` (issue 16): stored on the profile with everything Braze sends, invalid
/// ones reported under `events[i]` / `purchases[i]`, never "success" for data that was not kept.
@Suite struct TrackEventsTests {
    let test: TestApp
    let key: String

    init() throws {
        test = try TestApp()
        try test.createUser(workspace: "A", email: "admin@a.test")
        key = try APITests.createKey(test, as: "admin@a.test", name: "Events")
    }

    func track(_ json: String) -> (status: Int, body: [String: Any]) {
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/users/track",
                                                    headers: ["content-type": "application/json", "authorization": "Bearer " + key],
                                                    body: Array(json.utf8)))
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:])
    }

    @Test func validEventsAndPurchasesAreStoredOnTheProfileAndBadOnesReported() throws {
        let answer = track("""
            {"attributes":[{"external_id":"u1","email":"a@b.co"}],
             "events":[{"external_id":"u1","name":"viewed_pricing","time":"2026-12-07T09:30:00Z","properties":{"plan":"gold","seats":3}},
                       {"external_id":"u2","name":"signed_up","time":"2026-12-07T10:00:00.250+01:00"},
                       {"external_id":"u1","time":"2026-12-07T09:30:00Z"},
                       {"external_id":"u1","name":"x","time":"yesterday"},
                       {"name":"orphan","time":"2026-12-07T09:30:00Z"}],
             "purchases":[{"external_id":"u1","product_id":"gold-annual","price":99.5,"currency":"usd","quantity":2,"time":"2026-12-07T09:35:00Z",
                           "properties":{"coupon":"XMAS"}},
                          {"external_id":"u1","product_id":"p","price":"9.99","currency":"EURO","time":"2026-12-07T09:35:00Z"},
                          {"external_id":"u1","product_id":"p","price":1,"currency":"EUR","quantity":101,"time":"2026-12-07T09:35:00Z"}]}
            """)
        #expect(answer.status == 201 && answer.body["message"] as? String == "success")
        #expect(answer.body["events_processed"] as? Int == 2 && answer.body["purchases_processed"] as? Int == 1)
        #expect(answer.body["attributes_processed"] as? Int == 1)
        let errors = (answer.body["errors"] as? [[String: Any]] ?? []).map { "\($0["input_array"] as? String ?? ""):\($0["field"] as? String ?? "")" }
        #expect(Set(errors) == ["events:events[2].name", "events:events[3].time", "events:events[4].external_id",
                                "purchases:purchases[1].price", "purchases:purchases[1].currency", "purchases:purchases[2].quantity"])

        let events = try test.store.events(workspaceID: 1, externalID: "u1")
        #expect(events.map(\.name) == ["viewed_pricing"])
        #expect(events.first?.time == Date(timeIntervalSince1970: 1_796_635_800))   // 2026-12-07T09:30:00Z
        #expect(events.first.flatMap(\.propertiesJSON).flatMap(ProfileValue.parseObject(json:)) == ["plan": .string("gold"), "seats": .number(3)])
        let purchases = try test.store.purchases(workspaceID: 1, externalID: "u1")
        #expect(purchases.count == 1)
        let purchase = try #require(purchases.first)
        #expect(purchase.productID == "gold-annual" && purchase.price == 99.5 && purchase.currency == "USD" && purchase.quantity == 2)
        #expect(purchase.propertiesJSON == #"{"coupon":"XMAS"}"#)
        // An event for a user not seen before creates the profile, as Braze does.
        #expect(try test.store.profile(workspaceID: 1, externalID: "u2")?.attributesJSON == "{}")
        let signedUp = try test.store.events(workspaceID: 1, externalID: "u2")
        #expect(signedUp.map(\.name) == ["signed_up"])
        #expect(abs((signedUp.first?.time.timeIntervalSince1970 ?? 0) - 1_796_634_000.25) < 0.001)   // 10:00:00.250+01:00
    }

    @Test func eventsAloneAreAcceptedAndNothingValidIsA400() throws {
        let alone = track(#"{"attributes":[],"events":[{"external_id":"e1","name":"opened","time":"2026-12-07T09:30:00Z"}],"purchases":[]}"#)
        #expect(alone.status == 201 && alone.body["events_processed"] as? Int == 1)
        let nothing = track(#"{"events":[{"external_id":"e1","name":"opened"}]}"#)
        #expect(nothing.status == 400 && (nothing.body["message"] as? String)?.hasPrefix("Nothing was stored") == true)
        #expect((nothing.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "events[0].time")
        #expect(try test.store.events(workspaceID: 1, externalID: "e1").count == 1)
        let empty = track(#"{"attributes":[],"events":[],"purchases":[]}"#)
        #expect(empty.status == 400 && empty.body["message"] != nil)
        #expect(track(#"{"events":{"name":"x"}}"#).status == 400)
    }

    @Test func erasingAProfileDeletesItsEventsAndPurchases() throws {
        _ = track("""
            {"events":[{"external_id":"d1","name":"opened","time":"2026-12-07T09:30:00Z"}],
             "purchases":[{"external_id":"d1","product_id":"p","price":1,"currency":"EUR","time":"2026-12-07T09:30:00Z"}]}
            """)
        #expect(try test.store.events(workspaceID: 1, externalID: "d1").count == 1)
        #expect(try test.store.erase(workspaceID: 1, externalIDs: ["d1"], now: Date()) { "erased:\($0.count)" } == 1)
        _ = track(#"{"attributes":[{"external_id":"d1"}]}"#)   // a new user with the same id starts with no history
        #expect(try test.store.events(workspaceID: 1, externalID: "d1").isEmpty && test.store.purchases(workspaceID: 1, externalID: "d1").isEmpty)
    }
}
