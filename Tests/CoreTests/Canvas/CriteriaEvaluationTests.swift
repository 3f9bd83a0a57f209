import Core
import Testing

/// One profile with every value type, shared by the evaluation tables.
let sampleProfile: [String: ProfileValue] = [
    "external_id": .string("user-1"),
    "country": .string("US"),
    "zip": .string("02134"),
    "dob": .string("1990-05-17"),
    "not_a_date": .string("1990-13-01"),
    "flag_text": .string("true"),
    "nickname": .string(""),
    "age": .number(7),
    "ratio": .number(7.5),
    "one": .number(1),
    "zero": .number(0),
    "ads_tracking_enabled": .bool(true),
    "do_not_sell": .bool(false),
    "tags": .array([.string("VIP"), .number(3), .bool(true)]),
    "empty_list": .array([]),
    "gone": .null,
]

/// One row: a filter, and whether `sampleProfile` meets it.
struct FilterCase: Sendable, CustomTestStringConvertible {
    let attribute: String
    let op: FilterOperator
    let value: String?
    let matches: Bool

    init(_ attribute: String, _ op: FilterOperator, _ value: String?, _ matches: Bool) {
        self.attribute = attribute; self.op = op; self.value = value; self.matches = matches
    }

    /// A row for an operator that takes no value.
    init(_ attribute: String, _ op: FilterOperator, _ matches: Bool) { self.init(attribute, op, nil, matches) }

    var filter: AttributeFilter { AttributeFilter(attribute: attribute, op: op, value: value) }
    var testDescription: String { "\(attribute) \(op.rawValue) \(value ?? "-") → \(matches)" }
}

@Suite struct AttributeFilterEvaluationTests {
    static let equals: [FilterCase] = [
        FilterCase("country", .equals, "US", true),
        FilterCase("country", .equals, "us", true),              // text ignores case
        FilterCase("country", .equals, " US ", true),            // typed value is trimmed
        FilterCase("country", .equals, "CA", false),
        FilterCase("zip", .equals, "2134", false),               // text stays text, never numeric
        FilterCase("flag_text", .equals, "true", true),          // text "true" equals as text
        FilterCase("dob", .equals, "1990-05-17", true),
        FilterCase("external_id", .equals, "USER-1", true),
        FilterCase("age", .equals, "7", true),                   // numbers numerically
        FilterCase("age", .equals, "7.0", true),
        FilterCase("age", .equals, "7e0", true),
        FilterCase("age", .equals, "8", false),
        FilterCase("age", .equals, "seven", false),
        FilterCase("ratio", .equals, "7.5", true),
        FilterCase("ads_tracking_enabled", .equals, "true", true),   // booleans against true/false text
        FilterCase("ads_tracking_enabled", .equals, "TRUE", true),
        FilterCase("ads_tracking_enabled", .equals, "false", false),
        FilterCase("ads_tracking_enabled", .equals, "1", false),
        FilterCase("do_not_sell", .equals, "false", true),
        FilterCase("tags", .equals, "vip", true),                // arrays: contains
        FilterCase("tags", .equals, "3", true),
        FilterCase("tags", .equals, "true", true),
        FilterCase("tags", .equals, "gold", false),
        FilterCase("empty_list", .equals, "x", false),
        FilterCase("missing", .equals, "x", false),
        FilterCase("gone", .equals, "x", false),                 // null is missing
    ]

    static let notEquals: [FilterCase] = [
        FilterCase("country", .notEquals, "CA", true),
        FilterCase("country", .notEquals, "us", false),
        FilterCase("nickname", .notEquals, "x", true),
        FilterCase("age", .notEquals, "8", true),
        FilterCase("age", .notEquals, "7.0", false),
        FilterCase("ads_tracking_enabled", .notEquals, "false", true),
        FilterCase("ads_tracking_enabled", .notEquals, "true", false),
        FilterCase("tags", .notEquals, "gold", true),
        FilterCase("tags", .notEquals, "VIP", false),
        FilterCase("empty_list", .notEquals, "x", true),
        FilterCase("missing", .notEquals, "x", false),           // Braze: missing matches neither
        FilterCase("gone", .notEquals, "x", false),
    ]

    static let booleans: [FilterCase] = [
        FilterCase("ads_tracking_enabled", .isTrue, true),
        FilterCase("do_not_sell", .isTrue, false),
        FilterCase("flag_text", .isTrue, false),                 // text is not a boolean
        FilterCase("one", .isTrue, false),                       // nor is 1
        FilterCase("tags", .isTrue, false),
        FilterCase("missing", .isTrue, false),
        FilterCase("gone", .isTrue, false),
        FilterCase("do_not_sell", .isFalse, true),
        FilterCase("ads_tracking_enabled", .isFalse, false),
        FilterCase("zero", .isFalse, false),
        FilterCase("nickname", .isFalse, false),
        FilterCase("empty_list", .isFalse, false),
        FilterCase("missing", .isFalse, false),                  // missing is neither true nor false
        FilterCase("gone", .isFalse, false),
    ]

    static let presence: [FilterCase] = [
        FilterCase("country", .exists, true),
        FilterCase("nickname", .exists, true),                   // empty text exists
        FilterCase("empty_list", .exists, true),                 // empty array exists
        FilterCase("age", .exists, true),
        FilterCase("zero", .exists, true),
        FilterCase("do_not_sell", .exists, true),                // false exists
        FilterCase("missing", .exists, false),
        FilterCase("gone", .exists, false),
        FilterCase("missing", .notExists, true),
        FilterCase("gone", .notExists, true),
        FilterCase("country", .notExists, false),
        FilterCase("nickname", .notExists, false),
        FilterCase("do_not_sell", .notExists, false),
    ]

    static let ordering: [FilterCase] = [
        FilterCase("age", .greaterThan, "6", true),
        FilterCase("age", .greaterThan, "6.5", true),
        FilterCase("age", .greaterThan, "-1", true),
        FilterCase("age", .greaterThan, "7", false),
        FilterCase("age", .greaterThan, "8", false),
        FilterCase("ratio", .greaterThan, "7.4", true),
        FilterCase("dob", .greaterThan, "1990-01-01", true),     // dates chronologically
        FilterCase("dob", .greaterThan, "1990-05-17", false),
        FilterCase("dob", .greaterThan, "2000-01-01", false),
        FilterCase("age", .greaterThan, "1990-01-01", false),    // number against date: no
        FilterCase("dob", .greaterThan, "5", false),             // date against number: no
        FilterCase("zip", .greaterThan, "100", false),           // numeric-looking text: no
        FilterCase("not_a_date", .greaterThan, "1980-01-01", false),
        FilterCase("country", .greaterThan, "A", false),
        FilterCase("tags", .greaterThan, "1", false),
        FilterCase("ads_tracking_enabled", .greaterThan, "0", false),
        FilterCase("missing", .greaterThan, "1", false),
        FilterCase("gone", .greaterThan, "1", false),
        FilterCase("age", .lessThan, "8", true),
        FilterCase("age", .lessThan, "7", false),
        FilterCase("age", .lessThan, "1e1", true),
        FilterCase("ratio", .lessThan, "7", false),
        FilterCase("dob", .lessThan, "2000-01-01", true),
        FilterCase("dob", .lessThan, "1980-01-01", false),
        FilterCase("age", .lessThan, "abc", false),
        FilterCase("zip", .lessThan, "99999", false),
        FilterCase("do_not_sell", .lessThan, "1", false),
        FilterCase("missing", .lessThan, "1", false),
        FilterCase("gone", .lessThan, "2000-01-01", false),
    ]

    @Test(arguments: equals + notEquals + booleans + presence + ordering)
    func filterAgainstProfile(_ row: FilterCase) {
        #expect(row.filter.matches(sampleProfile) == row.matches)
        // A one-filter criteria is the same test.
        #expect(EntryCriteria(groups: [[row.filter]]).matches(sampleProfile) == row.matches)
    }

    @Test func segmentFiltersTestTheNamedSegmentsCriteriaAndFailClosed() {
        let us = EntryCriteria(groups: [[AttributeFilter(attribute: "country", op: .equals, value: "us")]])
        let ca = EntryCriteria(groups: [[AttributeFilter(attribute: "country", op: .equals, value: "CA")]])
        let nested = EntryCriteria(groups: [[AttributeFilter.segment(1)]])
        let segments: [Int64: EntryCriteria] = [1: us, 2: ca, 3: nested]
        #expect(AttributeFilter.segment(1).matches(sampleProfile, segments: segments))
        #expect(!AttributeFilter.segment(2).matches(sampleProfile, segments: segments))
        #expect(AttributeFilter.segment(2, member: false).matches(sampleProfile, segments: segments))
        #expect(!AttributeFilter.segment(1, member: false).matches(sampleProfile, segments: segments))
        // A segment that is gone matches nobody either way; so does a segment built on a segment.
        #expect(!AttributeFilter.segment(9).matches(sampleProfile, segments: segments))
        #expect(!AttributeFilter.segment(9, member: false).matches(sampleProfile, segments: segments))
        #expect(!AttributeFilter.segment(3).matches(sampleProfile, segments: segments))
        #expect(!AttributeFilter(attribute: "segment", op: .inSegment, value: "one").matches(sampleProfile, segments: segments))
        let criteria = EntryCriteria(groups: [[AttributeFilter(attribute: "age", op: .greaterThan, value: "5")], [AttributeFilter.segment(1)]])
        #expect(criteria.matches(sampleProfile, segments: segments) && !criteria.matches(sampleProfile))
        #expect(criteria.segmentIDs == [1])
        #expect(criteria.summary(segmentNames: [1: "US"]) == "age is greater than 5 AND in segment \"US\"")
        #expect(criteria.summary == "age is greater than 5 AND in segment #1")
        #expect(AttributeFilter(attribute: "segment", op: .inSegment, value: "x").problem() == "Choose a segment.")
        #expect(AttributeFilter(attribute: "country", op: .inSegment, value: "1").problem() != nil)
        #expect(criteria.segmentProblems().map(\.message) == ["A segment cannot refer to another segment."])
    }

    @Test(arguments: FilterOperator.attributeOperators)
    func everyOperatorIsCoveredByTheTables(_ op: FilterOperator) {
        let rows = Self.equals + Self.notEquals + Self.booleans + Self.presence + Self.ordering
        #expect(rows.contains { $0.op == op && $0.matches })
        #expect(rows.contains { $0.op == op && !$0.matches })
        #expect(rows.contains { $0.op == op && $0.attribute == "missing" })
    }

    @Test(arguments: [FilterOperator.equals, .notEquals, .greaterThan, .lessThan])
    func valueOperatorsWithoutAValueMatchNobody(_ op: FilterOperator) {
        #expect(!AttributeFilter(attribute: "country", op: op).matches(sampleProfile))
        #expect(!AttributeFilter(attribute: "age", op: op, value: "  ").matches(sampleProfile))
    }
}

@Suite struct EntryCriteriaEvaluationTests {
    /// `ads_tracking_enabled is true AND (country equals US OR country equals CA)`.
    static let consentAndCountry = EntryCriteria(groups: [
        [AttributeFilter(attribute: "ads_tracking_enabled", op: .isTrue)],
        [AttributeFilter(attribute: "country", op: .equals, value: "US"), AttributeFilter(attribute: "country", op: .equals, value: "CA")],
    ])

    static let profiles: [([String: ProfileValue], Bool)] = [
        (["ads_tracking_enabled": .bool(true), "country": .string("US")], true),
        (["ads_tracking_enabled": .bool(true), "country": .string("ca")], true),
        (["ads_tracking_enabled": .bool(true), "country": .string("GB")], false),   // OR group fails
        (["ads_tracking_enabled": .bool(false), "country": .string("US")], false),  // AND group fails
        (["country": .string("US")], false),                                         // no consent recorded
        (["ads_tracking_enabled": .bool(true)], false),
        ([:], false),
    ]

    @Test(arguments: profiles)
    func andOfOrGroups(profile: [String: ProfileValue], expected: Bool) {
        #expect(Self.consentAndCountry.matches(profile) == expected)
    }

    @Test(arguments: [[String: ProfileValue]()] + profiles.map(\.0))
    func everyoneMatchesEveryProfile(_ profile: [String: ProfileValue]) {
        #expect(EntryCriteria.everyone.matches(profile))
    }

    @Test func anEmptyGroupMatchesNobody() {
        let criteria = EntryCriteria(groups: [[AttributeFilter(attribute: "country", op: .exists)], []])
        #expect(!criteria.matches(sampleProfile))
    }

    @Test func matchesAProfileParsedFromStoredJSON() throws {
        let profile = try #require(ProfileValue.parseObject(json: #"{"ads_tracking_enabled":true,"country":"US","external_id":"u1"}"#))
        #expect(Self.consentAndCountry.matches(profile))
    }
}
