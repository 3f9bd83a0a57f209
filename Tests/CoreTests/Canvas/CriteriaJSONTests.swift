import Core
import Testing

@Suite struct CriteriaJSONTests {
    /// Criteria and their exact stored text.
    static let stored: [(EntryCriteria, String)] = [
        (.everyone, #"{"groups":[]}"#),
        (EntryCriteria(groups: [[AttributeFilter(attribute: "ads_tracking_enabled", op: .isTrue)]]),
         #"{"groups":[[{"attribute":"ads_tracking_enabled","op":"is_true"}]]}"#),
        (EntryCriteria(groups: [
            [AttributeFilter(attribute: "do_not_sell", op: .isFalse)],
            [AttributeFilter(attribute: "country", op: .equals, value: "US"), AttributeFilter(attribute: "country", op: .notEquals, value: "CA")],
            [AttributeFilter(attribute: "dob", op: .lessThan, value: "2000-01-01"), AttributeFilter(attribute: "age", op: .greaterThan, value: "17")],
            [AttributeFilter(attribute: "email", op: .exists), AttributeFilter(attribute: "url/path", op: .notExists)],
        ]),
         #"{"groups":[[{"attribute":"do_not_sell","op":"is_false"}],"#
            + #"[{"attribute":"country","op":"equals","value":"US"},{"attribute":"country","op":"not_equals","value":"CA"}],"#
            + #"[{"attribute":"dob","op":"less_than","value":"2000-01-01"},{"attribute":"age","op":"greater_than","value":"17"}],"#
            + #"[{"attribute":"email","op":"exists"},{"attribute":"url/path","op":"not_exists"}]]}"#),
    ]

    @Test(arguments: stored)
    func storesAndReadsBack(criteria: EntryCriteria, text: String) throws {
        #expect(criteria.jsonText() == text)
        #expect(try EntryCriteria(jsonText: text) == criteria)
    }

    @Test func readsNullValueAsNoValue() throws {
        let criteria = try EntryCriteria(jsonText: #"{"groups":[[{"op":"exists","attribute":"a","value":null}]]}"#)
        #expect(criteria == EntryCriteria(groups: [[AttributeFilter(attribute: "a", op: .exists)]]))
    }

    @Test(arguments: FilterOperator.allCases)
    func everyOperatorRoundTrips(_ op: FilterOperator) throws {
        let criteria = EntryCriteria(groups: [[AttributeFilter(attribute: "a", op: op, value: op.needsValue ? "1" : nil)]])
        #expect(criteria.jsonText().contains(#""op":"\#(op.rawValue)""#))
        #expect(try EntryCriteria(jsonText: criteria.jsonText()) == criteria)
    }

    static let bad: [(String, CriteriaJSONError)] = [
        (#"{"groups":[[{"attribute":"a","op":"contains","value":"x"}]]}"#, .unknownOperator("contains", path: "groups[0][0].op")),
        (#"{"groups":[[{"attribute":"a","op":"exists"}],[{"attribute":"b","op":"in_cohort","value":"s1"}]]}"#,
         .unknownOperator("in_cohort", path: "groups[1][0].op")),
        (#"{"groups":[[{"attribute":"a","op":"EQUALS","value":"x"}]]}"#, .unknownOperator("EQUALS", path: "groups[0][0].op")),
        ("not json", .malformed("not valid JSON.")),
        ("", .malformed("not valid JSON.")),
        ("{}", .malformed("missing groups.")),
        ("[]", .malformed("wrong type at the top level.")),
        (#"{"groups":[[{"attribute":"a"}]]}"#, .malformed("missing groups[0][0].op.")),
        (#"{"groups":[[{"op":"exists"}]]}"#, .malformed("missing groups[0][0].attribute.")),
        (#"{"groups":[[{"attribute":1,"op":"exists"}]]}"#, .malformed("wrong type at groups[0][0].attribute.")),
        (#"{"groups":[[{"attribute":"a","op":7}]]}"#, .malformed("wrong type at groups[0][0].op.")),
        (#"{"groups":[{"attribute":"a","op":"exists"}]}"#, .malformed("wrong type at groups[0].")),
    ]

    @Test(arguments: bad)
    func refusesBadJSON(text: String, expected: CriteriaJSONError) {
        #expect(throws: expected) { try EntryCriteria(jsonText: text) }
    }

    @Test func unknownOperatorMessageNamesItAndTheKnownOnes() {
        let message = CriteriaJSONError.unknownOperator("contains", path: "groups[0][0].op").description
        #expect(message == "Unknown filter operator \"contains\" at groups[0][0].op; expected one of equals, not_equals, "
            + "is_true, is_false, exists, not_exists, greater_than, less_than, in_segment, not_in_segment, "
            + "performed_event, not_performed_event, purchased_product, made_purchase.")
        #expect(CriteriaJSONError.malformed("missing groups.").description == "Entry criteria JSON is malformed: missing groups.")
    }
}
