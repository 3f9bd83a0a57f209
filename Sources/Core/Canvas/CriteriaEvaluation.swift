import Foundation

// How entry criteria are tested against one profile. The rules, per operator:
//
// - equals: text compares ignoring case ("US" equals "us"); a number attribute compares numerically with a
//   value that reads as a number ("7" equals 7 and 7.0); a boolean attribute equals the text true/false (any
//   case). The JSON type of the attribute decides: the text "007" does not equal the value "7" (zip codes and
//   ids are text), and the text "true" is text. An array equals a value when any element does ("contains").
// - not_equals: the attribute is present (not missing, not null) and does not equal the value. A missing
//   attribute matches neither equals nor not_equals, as in Braze: "country does not equal US" should not
//   pick up users whose country is unknown. For arrays: present and not containing the value.
// - is_true / is_false: only the JSON booleans true / false; text "true", 1 and missing attributes are neither.
// - exists: present and not null; empty text and empty arrays exist. not_exists is its exact negation.
// - greater_than / less_than: a number attribute against a number value, numerically; a text attribute that is
//   a YYYY-MM-DD date against a YYYY-MM-DD value, chronologically. Anything else (text that looks like a
//   number, arrays, booleans, mixed number/date, missing) is false, never an error.
//
// - in_segment / not_in_segment: the user meets (does not meet) the criteria of the segment whose id is the
//   value. The segments' criteria are passed in; a segment that is not (it was deleted) matches nobody either
//   way, and a segment's own criteria never refer to segments (evaluated without any, such a filter fails).
//
// - performed_event, not_performed_event, purchased_product, made_purchase: the user's events and purchases,
//   passed in as `ActivityFacts` (rules in ActivityFilter.swift); without them these filters are false.
//
// The filter value is read with surrounding whitespace removed (see `AttributeFilter.trimmedValue`). An operator
// that needs a value but has none (invalid, so never saved) matches nobody: criteria gate who is sent to ad
// platforms, so anything unclear fails closed.

extension EntryCriteria {
    /// Whether a profile meets the criteria: every group has at least one matching filter.
    ///
    /// `attributes` is the profile's attributes by name (see `ProfileValue.parseObject(json:)`); include
    /// `external_id` if criteria may filter on it. An empty group matches nobody (an empty OR is false), which
    /// `problems()` reports so it is never saved; failing closed keeps unconsented users out if one slips by.
    ///
    /// `segments` holds the criteria of the segments that segment filters name, by id; `activity` the user's events
    /// and purchases for activity filters (nil: not loaded, and those filters are false).
    public func matches(_ attributes: [String: ProfileValue], segments: [Int64: EntryCriteria] = [:], activity: ActivityFacts? = nil) -> Bool {
        groups.allSatisfy { group in group.contains { $0.matches(attributes, segments: segments, activity: activity) } }
    }

    /// The ids of the segments these criteria refer to.
    public var segmentIDs: Set<Int64> {
        Set(groups.joined().compactMap { $0.op.isSegment ? $0.segmentID : nil })
    }
}

extension AttributeFilter {
    /// Whether one profile meets this one filter (the rules are at the top of this file).
    public func matches(_ attributes: [String: ProfileValue], segments: [Int64: EntryCriteria] = [:], activity: ActivityFacts? = nil) -> Bool {
        let actual = attributes[attribute] ?? .null
        switch op {
        case .exists: return actual.isPresent
        case .notExists: return !actual.isPresent
        case .isTrue: return actual == .bool(true)
        case .isFalse: return actual == .bool(false)
        case .equals: return trimmedValue.map { Self.equals(actual, $0) } ?? false
        case .notEquals: return trimmedValue.map { actual.isPresent && !Self.equals(actual, $0) } ?? false
        case .greaterThan: return trimmedValue.map { Self.compare(actual, $0) == .orderedDescending } ?? false
        case .lessThan: return trimmedValue.map { Self.compare(actual, $0) == .orderedAscending } ?? false
        case .inSegment: return segmentID.flatMap { segments[$0] }.map { $0.matches(attributes, activity: activity) } ?? false
        case .notInSegment: return segmentID.flatMap { segments[$0] }.map { !$0.matches(attributes, activity: activity) } ?? false
        case .performedEvent, .notPerformedEvent, .purchasedProduct, .madePurchase: return matchesActivity(activity)
        }
    }

    /// The segment a segment filter names, read from its value; nil when the value is not an id.
    public var segmentID: Int64? { trimmedValue.flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil } }

    /// `equals` for one attribute value against the typed text.
    static func equals(_ actual: ProfileValue, _ text: String) -> Bool {
        switch actual {
        case .string(let string): return string.lowercased() == text.lowercased()
        case .number(let number): return FilterValueParsing.number(text) == number
        case .bool(let bool): return text.lowercased() == (bool ? "true" : "false")
        case .array(let elements): return elements.contains { equals($0, text) }
        case .null: return false
        }
    }

    /// Orders the attribute against the typed text, or nil when they are not two numbers or two dates.
    static func compare(_ actual: ProfileValue, _ text: String) -> ComparisonResult? {
        switch actual {
        case .number(let number):
            guard let other = FilterValueParsing.number(text) else { return nil }
            return number < other ? .orderedAscending : (number > other ? .orderedDescending : .orderedSame)
        case .string(let string):
            // Both sides are validated YYYY-MM-DD, so text order is calendar order.
            guard FilterValueParsing.isDate(string), FilterValueParsing.isDate(text) else { return nil }
            return string < text ? .orderedAscending : (string > text ? .orderedDescending : .orderedSame)
        case .bool, .array, .null:
            return nil
        }
    }
}
