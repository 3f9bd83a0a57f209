/// How an attribute filter tests one attribute of a user profile.
///
/// The raw values are the stored JSON form (`"op":"not_equals"`), so they must never change. Every `switch`
/// over this type is exhaustive on purpose: when a new kind of filter arrives (the planned "in segment X"),
/// adding its case makes the compiler point at each place — evaluation, validation, wording — that must learn it.
/// The segment operators take a segment's id as their value and `segment` as their attribute. The activity
/// operators test the user's stored events and purchases: their attribute is the event name or product id
/// (`purchase` for "made any purchase") and their value a number of days (see `ActivityFilter.swift`).
public enum FilterOperator: String, CaseIterable, Codable, Sendable {
    /// The attribute equals the value (text ignoring case, numbers numerically, `true`/`false` for booleans;
    /// for arrays: contains the value).
    case equals
    /// The attribute is present and does not equal the value (false when the attribute is missing).
    case notEquals = "not_equals"
    /// The attribute is the JSON boolean `true`.
    case isTrue = "is_true"
    /// The attribute is the JSON boolean `false`.
    case isFalse = "is_false"
    /// The attribute is present and not null.
    case exists
    /// The attribute is missing or null.
    case notExists = "not_exists"
    /// The attribute is a larger number, or a later `YYYY-MM-DD` date, than the value.
    case greaterThan = "greater_than"
    /// The attribute is a smaller number, or an earlier `YYYY-MM-DD` date, than the value.
    case lessThan = "less_than"
    /// The user meets the criteria of the segment whose id is the value.
    case inSegment = "in_segment"
    /// The user does not meet the criteria of the segment whose id is the value.
    case notInSegment = "not_in_segment"
    /// The user performed the custom event named by the attribute at least once in the last N days (the value).
    case performedEvent = "performed_event"
    /// The user did not perform the custom event named by the attribute in the last N days (the value).
    case notPerformedEvent = "not_performed_event"
    /// The user purchased the product whose id is the attribute in the last N days (the value).
    case purchasedProduct = "purchased_product"
    /// The user made any purchase in the last N days (the value); the attribute is `purchase`.
    case madePurchase = "made_purchase"

    /// The operators that test one attribute (the segment operators test a whole segment).
    public static let attributeOperators: [FilterOperator] = allCases.filter { !$0.isSegment && !$0.isActivity }

    /// The operators that test the user's events and purchases.
    public static let activityOperators: [FilterOperator] = allCases.filter(\.isActivity)

    /// Whether the operator refers to a segment rather than testing an attribute.
    public var isSegment: Bool { self == .inSegment || self == .notInSegment }

    /// Whether the operator tests the user's events or purchases rather than an attribute.
    public var isActivity: Bool {
        switch self {
        case .performedEvent, .notPerformedEvent, .purchasedProduct, .madePurchase: true
        case .equals, .notEquals, .isTrue, .isFalse, .exists, .notExists, .greaterThan, .lessThan, .inSegment, .notInSegment: false
        }
    }

    /// The operator as the filter editor shows it, after the attribute name ("country equals …").
    public var label: String {
        switch self {
        case .equals: "equals"
        case .notEquals: "does not equal"
        case .isTrue: "is true"
        case .isFalse: "is false"
        case .exists: "exists"
        case .notExists: "does not exist"
        case .greaterThan: "is greater than / after"
        case .lessThan: "is less than / before"
        case .inSegment: "is in segment"
        case .notInSegment: "is not in segment"
        case .performedEvent: "performed event … in the last N days"
        case .notPerformedEvent: "has not performed event … in the last N days"
        case .purchasedProduct: "purchased product … in the last N days"
        case .madePurchase: "made any purchase in the last N days"
        }
    }

    /// Whether the operator compares with a value the user types; the others take none.
    public var needsValue: Bool {
        switch self {
        case .equals, .notEquals, .greaterThan, .lessThan, .inSegment, .notInSegment: true
        case .performedEvent, .notPerformedEvent, .purchasedProduct, .madePurchase: true
        case .isTrue, .isFalse, .exists, .notExists: false
        }
    }
}
