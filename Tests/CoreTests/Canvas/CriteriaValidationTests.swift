import Core
import Testing

@Suite struct CriteriaValidationTests {
    static let noValue = "Enter a value to compare with."
    static let notComparable = "Use a number (such as 18) or a date as YYYY-MM-DD (such as 2000-01-31)."

    /// A filter and its first problem (nil: it can be saved).
    static let filters: [(AttributeFilter, String?)] = [
        (AttributeFilter(attribute: "country", op: .equals, value: "US"), nil),
        (AttributeFilter(attribute: "ads_tracking_enabled", op: .isTrue), nil),
        (AttributeFilter(attribute: "any_custom", op: .isFalse, value: ""), nil),   // blank counts as no value
        (AttributeFilter(attribute: "email", op: .exists), nil),
        (AttributeFilter(attribute: "email", op: .notExists, value: " "), nil),
        (AttributeFilter(attribute: String(repeating: "a", count: 255), op: .exists), nil),
        (AttributeFilter(attribute: "", op: .exists), "Choose an attribute."),
        (AttributeFilter(attribute: String(repeating: "a", count: 256), op: .exists), "Attribute names have at most 255 characters."),
        (AttributeFilter(attribute: "$email", op: .exists), "Attribute names cannot start with $."),
        (AttributeFilter(attribute: "a$", op: .exists), nil),
        (AttributeFilter(attribute: "country", op: .equals), noValue),
        (AttributeFilter(attribute: "country", op: .notEquals, value: ""), noValue),
        (AttributeFilter(attribute: "country", op: .equals, value: "   "), noValue),
        (AttributeFilter(attribute: "age", op: .greaterThan), noValue),
        (AttributeFilter(attribute: "age", op: .lessThan, value: ""), noValue),
        (AttributeFilter(attribute: "x", op: .isTrue, value: "yes"), "\"is true\" takes no value; leave the value empty."),
        (AttributeFilter(attribute: "x", op: .isFalse, value: "no"), "\"is false\" takes no value; leave the value empty."),
        (AttributeFilter(attribute: "x", op: .exists, value: "1"), "\"exists\" takes no value; leave the value empty."),
        (AttributeFilter(attribute: "x", op: .notExists, value: "1"), "\"does not exist\" takes no value; leave the value empty."),
        (AttributeFilter(attribute: "age", op: .greaterThan, value: "18"), nil),
        (AttributeFilter(attribute: "age", op: .greaterThan, value: "-2.5"), nil),
        (AttributeFilter(attribute: "age", op: .lessThan, value: "1e3"), nil),
        (AttributeFilter(attribute: "dob", op: .lessThan, value: "2000-02-29"), nil),          // leap day
        (AttributeFilter(attribute: "dob", op: .lessThan, value: " 2000-01-31 "), nil),
        (AttributeFilter(attribute: "dob", op: .lessThan, value: "1900-02-29"), notComparable),  // not a leap year
        (AttributeFilter(attribute: "dob", op: .lessThan, value: "2000-04-31"), notComparable),
        (AttributeFilter(attribute: "dob", op: .greaterThan, value: "2000-13-01"), notComparable),
        (AttributeFilter(attribute: "dob", op: .greaterThan, value: "2000-1-1"), notComparable),
        (AttributeFilter(attribute: "dob", op: .greaterThan, value: "01/02/2000"), notComparable),
        (AttributeFilter(attribute: "age", op: .greaterThan, value: "abc"), notComparable),
        (AttributeFilter(attribute: "age", op: .greaterThan, value: "0x10"), notComparable),
        (AttributeFilter(attribute: "age", op: .greaterThan, value: "inf"), notComparable),
        (AttributeFilter(attribute: "age", op: .greaterThan, value: "nan"), notComparable),
        (AttributeFilter(attribute: "country", op: .equals, value: "anything at all"), nil),    // equals takes any text
    ]

    @Test(arguments: filters)
    func filterProblem(filter: AttributeFilter, expected: String?) {
        #expect(filter.problem() == expected)
    }

    static let criteria: [(EntryCriteria, [FieldError])] = [
        (.everyone, []),
        (EntryCriteria(groups: [[AttributeFilter(attribute: "ads_tracking_enabled", op: .isTrue)]]), []),
        (EntryCriteria(groups: [
            [AttributeFilter(attribute: "ads_tracking_enabled", op: .isTrue)],
            [AttributeFilter(attribute: "country", op: .equals), AttributeFilter(attribute: "", op: .greaterThan, value: "x")],
        ]), [
            FieldError(field: "groups[1][0].value", message: noValue),
            FieldError(field: "groups[1][1].attribute", message: "Choose an attribute."),
            FieldError(field: "groups[1][1].value", message: notComparable),
        ]),
        (EntryCriteria(groups: [[AttributeFilter(attribute: "a", op: .exists)], []]), [
            FieldError(field: "groups[1]", message: "A group needs at least one filter."),
        ]),
        (EntryCriteria(groups: Array(repeating: [AttributeFilter(attribute: "a", op: .exists)], count: 50)), []),
        (EntryCriteria(groups: Array(repeating: [AttributeFilter(attribute: "a", op: .exists)], count: 51)), [
            FieldError(field: "groups", message: "At most 50 filters in all; this has 51."),
        ]),
        (EntryCriteria(groups: Array(repeating: Array(repeating: AttributeFilter(attribute: "a", op: .exists), count: 26), count: 2)), [
            FieldError(field: "groups", message: "At most 50 filters in all; this has 52."),   // counted across groups
        ]),
    ]

    @Test(arguments: criteria)
    func criteriaProblems(criteria: EntryCriteria, expected: [FieldError]) {
        #expect(criteria.problems() == expected)
    }
}
