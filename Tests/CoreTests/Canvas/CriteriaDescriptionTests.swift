import Core
import Testing

@Suite struct CriteriaDescriptionTests {
    static let consent = AttributeFilter(attribute: "ads_tracking_enabled", op: .isTrue)
    static let us = AttributeFilter(attribute: "country", op: .equals, value: "US")
    static let ca = AttributeFilter(attribute: "country", op: .equals, value: "CA")

    static let summaries: [(EntryCriteria, String)] = [
        (.everyone, "Everyone"),
        (EntryCriteria(groups: [[consent]]), "ads_tracking_enabled is true"),
        (EntryCriteria(groups: [[consent], [us, ca]]), "ads_tracking_enabled is true AND (country equals US OR country equals CA)"),
        (EntryCriteria(groups: [[us, ca]]), "country equals US OR country equals CA"),   // one group: no parentheses needed
        (EntryCriteria(groups: [[consent], [us]]), "ads_tracking_enabled is true AND country equals US"),
        (EntryCriteria(groups: [[us, ca], [consent, AttributeFilter(attribute: "opted_in_marketing", op: .isTrue)]]),
         "(country equals US OR country equals CA) AND (ads_tracking_enabled is true OR opted_in_marketing is true)"),
        (EntryCriteria(groups: [[consent], []]), "ads_tracking_enabled is true AND (empty group: nobody)"),
    ]

    @Test(arguments: summaries)
    func criteriaSummary(criteria: EntryCriteria, expected: String) {
        #expect(criteria.summary == expected)
    }

    static let filters: [(AttributeFilter, String)] = [
        (AttributeFilter(attribute: "country", op: .equals, value: "US"), "country equals US"),
        (AttributeFilter(attribute: "country", op: .notEquals, value: " CA "), "country does not equal CA"),
        (AttributeFilter(attribute: "do_not_sell", op: .isFalse), "do_not_sell is false"),
        (AttributeFilter(attribute: "email", op: .exists), "email exists"),
        (AttributeFilter(attribute: "idfa", op: .notExists), "idfa does not exist"),
        (AttributeFilter(attribute: "age", op: .greaterThan, value: "17"), "age is greater than 17"),
        (AttributeFilter(attribute: "age", op: .lessThan, value: "65"), "age is less than 65"),
        (AttributeFilter(attribute: "dob", op: .greaterThan, value: "1990-01-01"), "dob is after 1990-01-01"),
        (AttributeFilter(attribute: "dob", op: .lessThan, value: "2000-01-01"), "dob is before 2000-01-01"),
        (AttributeFilter(attribute: "country", op: .equals), "country equals (no value)"),
        (AttributeFilter(attribute: "flag", op: .isTrue, value: "ignored"), "flag is true"),
    ]

    @Test(arguments: filters)
    func filterSummary(filter: AttributeFilter, expected: String) {
        #expect(filter.summary == expected)
    }
}
