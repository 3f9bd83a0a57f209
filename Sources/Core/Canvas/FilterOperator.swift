/// How an attribute filter tests one attribute of a user profile.
///
/// The raw values are the stored JSON form (`"op":"not_equals"`), so they must never change. Every `switch`
/// over this type is exhaustive on purpose: when a new kind of filter arrives (the planned "in segment X"),
/// adding its case makes the compiler point at each place — evaluation, validation, wording — that must learn it.
/// The segment operators take a segment's id as their value and `segment` as their attribute.
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

    /// The operators that test one attribute (the segment operators test a whole segment).
    public static let attributeOperators: [FilterOperator] = allCases.filter { !$0.isSegment }

    /// Whether the operator refers to a segment rather than testing an attribute.
    public var isSegment: Bool { self == .inSegment || self == .notInSegment }

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
        }
    }

    /// Whether the operator compares with a value the user types; the others take none.
    public var needsValue: Bool {
        switch self {
        case .equals, .notEquals, .greaterThan, .lessThan, .inSegment, .notInSegment: true
        case .isTrue, .isFalse, .exists, .notExists: false
        }
    }
}
