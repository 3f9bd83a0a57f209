import Core
import Foundation
import Testing

/// Activity filters: evaluation against events and purchases, the stored JSON, validation and wording.
@Suite struct ActivityFilterTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400

    static let activity = ActivityFacts(
        events: [ActivityFacts.Event(name: "viewed_pricing", time: (now - 3 * day).timeIntervalSince1970),
                 ActivityFacts.Event(name: "signed_up", time: (now - 40 * day).timeIntervalSince1970)],
        purchases: [ActivityFacts.Purchase(productID: "gold", time: (now - 10 * day).timeIntervalSince1970)],
        now: now)

    static func filter(_ op: FilterOperator, _ name: String, _ days: String) -> AttributeFilter {
        AttributeFilter.edited(attribute: name, op: op, value: days)
    }

    static let cases: [(AttributeFilter, Bool)] = [
        (filter(.performedEvent, "viewed_pricing", "7"), true),
        (filter(.performedEvent, "viewed_pricing", "3"), true),      // exactly N days ago is inside the window
        (filter(.performedEvent, "viewed_pricing", "2"), false),
        (filter(.performedEvent, "Viewed_Pricing", "7"), false),     // names compare exactly
        (filter(.performedEvent, "signed_up", "30"), false),
        (filter(.performedEvent, "signed_up", "40"), true),
        (filter(.notPerformedEvent, "viewed_pricing", "7"), false),
        (filter(.notPerformedEvent, "viewed_pricing", "2"), true),
        (filter(.notPerformedEvent, "never_seen", "3650"), true),
        (filter(.purchasedProduct, "gold", "30"), true),
        (filter(.purchasedProduct, "gold", "9"), false),
        (filter(.purchasedProduct, "silver", "30"), false),
        (filter(.madePurchase, "", "10"), true),
        (filter(.madePurchase, "", "9"), false),
    ]

    @Test(arguments: cases)
    func evaluatesAgainstTheUsersActivity(filter: AttributeFilter, expected: Bool) {
        #expect(filter.problem() == nil)
        #expect(filter.matches([:], activity: Self.activity) == expected)
        #expect(EntryCriteria(groups: [[filter]]).matches([:], activity: Self.activity) == expected)
    }

    @Test(arguments: cases.map(\.0))
    func withoutActivityEveryActivityFilterFailsClosed(filter: AttributeFilter) {
        #expect(!filter.matches([:]))
    }

    @Test func segmentsWithActivityFiltersSeeTheSameActivity() {
        let buyers = EntryCriteria(groups: [[Self.filter(.purchasedProduct, "gold", "30")]])
        #expect(AttributeFilter.segment(4).matches([:], segments: [4: buyers], activity: Self.activity))
        #expect(!AttributeFilter.segment(4, member: false).matches([:], segments: [4: buyers], activity: Self.activity))
        #expect(EntryCriteria(groups: [[AttributeFilter.segment(4)]]).activityDays(segments: [4: buyers]) == 30)
        #expect(EntryCriteria(groups: [[AttributeFilter.segment(4)]]).readsActivity(segments: [4: buyers]))
        #expect(EntryCriteria(groups: [[AttributeFilter(attribute: "country", op: .equals, value: "US")]]).activityDays() == nil)
    }

    @Test func storesAsPlainFiltersAndReadsBack() throws {
        let criteria = EntryCriteria(groups: [[Self.filter(.performedEvent, "viewed_pricing", "7")], [Self.filter(.madePurchase, "ignored", "30")]])
        let text = criteria.jsonText()
        #expect(text == #"{"groups":[[{"attribute":"viewed_pricing","op":"performed_event","value":"7"}],[{"attribute":"purchase","op":"made_purchase","value":"30"}]]}"#)
        #expect(try EntryCriteria(jsonText: text) == criteria)
        // Criteria stored before activity filters existed read as they did.
        let old = #"{"groups":[[{"attribute":"country","op":"equals","value":"US"}]]}"#
        #expect(try EntryCriteria(jsonText: old).groups == [[AttributeFilter(attribute: "country", op: .equals, value: "US")]])
    }

    static let problems: [(AttributeFilter, String)] = [
        (filter(.performedEvent, "", "7"), "Enter the event name."),
        (filter(.purchasedProduct, "", "7"), "Enter the product id."),
        (filter(.performedEvent, "x", ""), "Enter the number of days as a whole number from 1 to 3650."),
        (filter(.performedEvent, "x", "0"), "Enter the number of days as a whole number from 1 to 3650."),
        (filter(.performedEvent, "x", "7.5"), "Enter the number of days as a whole number from 1 to 3650."),
        (filter(.performedEvent, "x", "3651"), "Enter the number of days as a whole number from 1 to 3650."),
        (filter(.notPerformedEvent, "x", "-1"), "Enter the number of days as a whole number from 1 to 3650."),
        (filter(.performedEvent, String(repeating: "e", count: 256), "7"), "Event names and product ids have at most 255 characters."),
        (AttributeFilter(attribute: "other", op: .madePurchase, value: "7"), "\"Made any purchase\" filters have the attribute \"purchase\"."),
    ]

    @Test(arguments: problems)
    func refusesBadInputWithAClearMessage(filter: AttributeFilter, message: String) {
        #expect(filter.problem() == message)
        #expect(!filter.matches([:], activity: Self.activity))   // never saved, and fails closed if it were
    }

    @Test func problemsNameTheField() {
        let criteria = EntryCriteria(groups: [[Self.filter(.performedEvent, "", "x")]])
        #expect(criteria.problems().map(\.field) == ["groups[0][0].attribute", "groups[0][0].value"])
    }

    @Test func readsAsASentence() {
        #expect(Self.filter(.performedEvent, "viewed_pricing", "7").summary == "performed viewed_pricing in the last 7 days")
        #expect(Self.filter(.notPerformedEvent, "viewed_pricing", "1").summary == "has not performed viewed_pricing in the last day")
        #expect(Self.filter(.purchasedProduct, "gold", "30").summary == "purchased gold in the last 30 days")
        #expect(Self.filter(.madePurchase, "", "90").summary == "made any purchase in the last 90 days")
        let criteria = EntryCriteria(groups: [[AttributeFilter(attribute: "ads_tracking_enabled", op: .isTrue)], [Self.filter(.purchasedProduct, "gold", "30")]])
        #expect(criteria.summary == "ads_tracking_enabled is true AND purchased gold in the last 30 days")
    }
}

/// Action-based entry: which events and purchases start an entry, its stored columns and form.
@Suite struct EntryActionTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)
    static let event = ProfileEvent(externalID: "u1", name: "viewed_pricing", time: time, propertiesJSON: nil)
    static let gold = ProfilePurchase(externalID: "u1", productID: "gold", price: 10, currency: "USD", quantity: 1, time: time, propertiesJSON: nil)

    @Test func triggersOnTheNamedEventOrPurchase() {
        #expect(EntryAction.event("viewed_pricing").isTriggered(events: [Self.event], purchases: []))
        #expect(!EntryAction.event("viewed_Pricing").isTriggered(events: [Self.event], purchases: []))
        #expect(!EntryAction.event("viewed_pricing").isTriggered(events: [], purchases: [Self.gold]))
        #expect(EntryAction.purchase(productID: "gold").isTriggered(events: [], purchases: [Self.gold]))
        #expect(!EntryAction.purchase(productID: "silver").isTriggered(events: [], purchases: [Self.gold]))
        #expect(EntryAction.purchase(productID: nil).isTriggered(events: [], purchases: [Self.gold]))
        #expect(!EntryAction.purchase(productID: nil).isTriggered(events: [Self.event], purchases: []))
    }

    @Test func storedColumnsRoundTripAndUnknownKindsEnterNobody() {
        for action in [EntryAction.event("viewed_pricing"), .purchase(productID: "gold"), .purchase(productID: nil)] {
            #expect(EntryAction(kind: action.kind, name: action.name) == action)
        }
        #expect(EntryAction(kind: nil, name: nil) == nil)
        #expect(EntryAction(kind: "page_view", name: "x") == nil)
    }

    @Test func parsesTheFormWithMessagesForTheField() {
        #expect(EntryAction.parse(kind: "event", name: " viewed_pricing ").action == .event("viewed_pricing"))
        #expect(EntryAction.parse(kind: "purchase", name: "").action == .purchase(productID: nil))
        #expect(EntryAction.parse(kind: "none", name: "x").action == nil && EntryAction.parse(kind: "none", name: "x").problem == nil)
        #expect(EntryAction.parse(kind: "event", name: "  ").problem?.field == "entry_action_name")
        #expect(EntryAction.parse(kind: "event", name: "  ").problem?.message == "Enter the event name, such as viewed_pricing.")
        #expect(EntryAction.parse(kind: "bogus", name: "").problem?.field == "entry_action")
        #expect(EntryAction.event("viewed_pricing").summary == "when they perform viewed_pricing")
        #expect(EntryAction.purchase(productID: nil).summary == "when they make any purchase")
    }
}
