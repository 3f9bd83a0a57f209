import Core
import Testing

@Suite struct FilterOperatorTests {
    static let table: [(FilterOperator, String, String, Bool)] = [
        (.equals, "equals", "equals", true),
        (.notEquals, "not_equals", "does not equal", true),
        (.isTrue, "is_true", "is true", false),
        (.isFalse, "is_false", "is false", false),
        (.exists, "exists", "exists", false),
        (.notExists, "not_exists", "does not exist", false),
        (.greaterThan, "greater_than", "is greater than / after", true),
        (.lessThan, "less_than", "is less than / before", true),
        (.inSegment, "in_segment", "is in segment", true),
        (.notInSegment, "not_in_segment", "is not in segment", true),
        (.performedEvent, "performed_event", "performed event … in the last N days", true),
        (.notPerformedEvent, "not_performed_event", "has not performed event … in the last N days", true),
        (.purchasedProduct, "purchased_product", "purchased product … in the last N days", true),
        (.madePurchase, "made_purchase", "made any purchase in the last N days", true),
    ]

    @Test(arguments: table)
    func rawValueLabelAndValue(op: FilterOperator, raw: String, label: String, needsValue: Bool) {
        #expect(op.rawValue == raw)
        #expect(op.label == label)
        #expect(op.needsValue == needsValue)
    }

    @Test func tableCoversEveryOperatorInEditorOrder() {
        #expect(Self.table.map(\.0) == FilterOperator.allCases)
        #expect(FilterOperator.attributeOperators == Array(FilterOperator.allCases.prefix(8)))
        #expect(FilterOperator.activityOperators == [.performedEvent, .notPerformedEvent, .purchasedProduct, .madePurchase])
    }
}

@Suite struct ConsentAttributesTests {
    @Test func suggestsAdTrackingFirstThenMarketingThenSale() {
        let suggested = ConsentAttributes.suggested
        #expect(suggested.map(\.attribute) == ["ads_tracking_enabled", "opted_in_marketing", "do_not_sell"])
        #expect(suggested.map(\.suggestedOperator) == [.isTrue, .isTrue, .isFalse])
        #expect(suggested.allSatisfy { !$0.label.isEmpty })
    }

    @Test func suggestionsAreValidFiltersThatSelectConsentingUsers() {
        let consenting: [String: ProfileValue] = ["ads_tracking_enabled": .bool(true), "opted_in_marketing": .bool(true), "do_not_sell": .bool(false)]
        for suggestion in ConsentAttributes.suggested {
            let filter = AttributeFilter(attribute: suggestion.attribute, op: suggestion.suggestedOperator)
            #expect(filter.problem() == nil)
            #expect(filter.matches(consenting))
            #expect(!filter.matches([:]))   // no recorded consent is no consent
        }
    }

    @Test func explanationIsShortAndNamesTheReasons() {
        let text = ConsentAttributes.explanation
        for word in ["ad tracking", "opt", "GDPR", "CCPA", "terms"] { #expect(text.contains(word)) }
        #expect(text.split(separator: ".").count <= 2)
    }

    @Test func standardAttributesListEachStandardNameOnceConsentFirst() {
        let names = ConsentAttributes.standardAttributes
        let standard: Set<String> = ["external_id", "email", "phone", "first_name", "last_name", "gender", "dob", "country", "home_city",
                                     "state", "zip", "idfa", "gaid", "ads_tracking_enabled", "opted_in_marketing", "do_not_sell"]
        #expect(Set(names) == standard)
        #expect(names.count == standard.count)
        #expect(Array(names.prefix(3)) == ConsentAttributes.suggested.map(\.attribute))
    }
}
