import Foundation

// Filters over what a user did, not what they are: "performed viewed_pricing in the last 7 days", "has not
// performed …", "purchased gold in the last 30 days", "made any purchase in the last 30 days".
//
// Rules (SQL in `CriteriaSQL` must agree exactly):
// - the value is a whole number of days from 1 to `maxDays`; the window is every time at or after
//   `now - days × 86,400 s` (later times, even ones sent in the future, count: the event was recorded as such);
// - event names and product ids compare exactly, scalar by scalar (case and Unicode form count), as Braze does
//   and as SQLite's `=` does;
// - without the user's activity (`ActivityFacts` not given) every activity filter is false, "has not performed"
//   included: criteria gate who is sent to ad platforms, so what was not looked at fails closed.

/// What a user did, as activity filters see it: their events and purchases (only name / product and time),
/// and the moment "the last N days" counts back from. Built by the caller; Core reads no clock.
public struct ActivityFacts: Sendable, Equatable {
    /// One event: its name and time. Times are seconds since 1970 exactly as stored (a `Date` round trip can move
    /// a fraction by one unit in the last place, and the SQL side compares the stored number).
    public struct Event: Sendable, Equatable {
        /// The event's name.
        public let name: String
        /// When it happened, in seconds since 1970.
        public let time: Double
        /// Creates a value.
        public init(name: String, time: Double) { self.name = name; self.time = time }
    }

    /// One purchase: its product id and time (seconds since 1970, as stored).
    public struct Purchase: Sendable, Equatable {
        /// The product's id.
        public let productID: String
        /// When it was bought, in seconds since 1970.
        public let time: Double
        /// Creates a value.
        public init(productID: String, time: Double) { self.productID = productID; self.time = time }
    }

    /// The user's events (any order).
    public var events: [Event]
    /// The user's purchases (any order).
    public var purchases: [Purchase]
    /// The moment the windows end at.
    public var now: Date

    /// Creates a value.
    public init(events: [Event] = [], purchases: [Purchase] = [], now: Date) {
        self.events = events; self.purchases = purchases; self.now = now
    }
}

extension AttributeFilter {
    /// The attribute every "made any purchase" filter carries, so stored filters keep one shape.
    public static let purchaseAttribute = "purchase"

    /// The largest window, about ten years.
    public static let maxDays = 3650

    /// An activity filter's window in whole days, or nil when the value is not a whole number from 1 to `maxDays`.
    public var days: Int? {
        guard let text = trimmedValue, text.allSatisfy({ $0.isASCII && $0.isNumber }), let days = Int(text),
              (1...Self.maxDays).contains(days) else { return nil }
        return days
    }

    /// The earliest time an activity filter's window takes, as seconds since 1970, or nil when the days are invalid.
    public func windowStart(now: Date) -> Double? {
        days.map { now.timeIntervalSince1970 - Double($0) * 86_400 }
    }

    /// Whether the user's activity meets this activity filter (false for any other filter, or without activity).
    func matchesActivity(_ activity: ActivityFacts?) -> Bool {
        guard let activity, let start = windowStart(now: activity.now) else { return false }
        let inWindow = { (time: Double) in time >= start }
        let named = { (name: String) in name.unicodeScalars.elementsEqual(attribute.unicodeScalars) }
        switch op {
        case .performedEvent: return activity.events.contains { named($0.name) && inWindow($0.time) }
        case .notPerformedEvent: return !activity.events.contains { named($0.name) && inWindow($0.time) }
        case .purchasedProduct: return activity.purchases.contains { named($0.productID) && inWindow($0.time) }
        case .madePurchase: return activity.purchases.contains { inWindow($0.time) }
        case .equals, .notEquals, .isTrue, .isFalse, .exists, .notExists, .greaterThan, .lessThan, .inSegment, .notInSegment: return false
        }
    }
}

extension EntryCriteria {
    /// Whether any filter (segments' criteria included, from `segments`) tests events or purchases, so callers
    /// load a user's activity only when it is read.
    public func readsActivity(segments: [Int64: EntryCriteria] = [:]) -> Bool {
        groups.joined().contains { $0.op.isActivity } || segmentIDs.contains { segments[$0]?.readsActivity() == true }
    }

    /// The longest window of its activity filters in days (segments' included), or nil when there are none: how far
    /// back a user's activity must be loaded.
    public func activityDays(segments: [Int64: EntryCriteria] = [:]) -> Int? {
        let own = groups.joined().compactMap { $0.op.isActivity ? ($0.days ?? 0) : nil }
        let nested = segmentIDs.compactMap { segments[$0]?.activityDays() }
        return (own + nested).max()
    }
}
