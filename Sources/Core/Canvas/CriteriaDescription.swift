// Plain-English wording of criteria for the canvas list and editor, e.g.
// "ads_tracking_enabled is true AND (country equals US OR country equals CA)".

extension EntryCriteria {
    /// The criteria in plain English: groups joined by AND, a group's filters by OR (in parentheses when there
    /// are other groups, so the grouping reads unambiguously); "Everyone" when there are no filters.
    public var summary: String { summary(segmentNames: [:]) }

    /// The summary with segment filters named (`segmentNames` by id; an unknown id reads "segment #7").
    public func summary(segmentNames: [Int64: String]) -> String {
        guard !groups.isEmpty else { return "Everyone" }
        return groups.map { Self.phrase($0, parenthesized: groups.count > 1, segmentNames) }.joined(separator: " AND ")
    }

    private static func phrase(_ group: [AttributeFilter], parenthesized: Bool, _ names: [Int64: String]) -> String {
        // Only reachable for unsaved criteria: problems() refuses empty groups.
        guard !group.isEmpty else { return "(empty group: nobody)" }
        let text = group.map { $0.summary(segmentNames: names) }.joined(separator: " OR ")
        return parenthesized && group.count > 1 ? "(\(text))" : text
    }
}

extension AttributeFilter {
    /// The filter in plain English, such as "country equals US", "dob is before 2000-01-01" or
    /// "age is greater than 17".
    public var summary: String { summary(segmentNames: [:]) }

    /// The summary with a segment filter's segment named from `segmentNames` (by id).
    public func summary(segmentNames: [Int64: String]) -> String {
        if op.isSegment {
            let name = segmentID.flatMap { segmentNames[$0] }.map { "\"\($0)\"" } ?? "#\(value ?? "?")"
            return "\(op == .inSegment ? "in" : "not in") segment \(name)"
        }
        if op.isActivity { return activitySummary }
        guard op.needsValue else { return "\(attribute) \(op.label)" }
        guard let text = trimmedValue else { return "\(attribute) \(op.label) (no value)" }
        return "\(attribute) \(verb(for: text)) \(text)"
    }

    /// The operator's words for this value: the editor's "is greater than / after" covers numbers and dates
    /// in one label, but a sentence reads better with just the one that applies.
    private func verb(for text: String) -> String {
        let isDate = FilterValueParsing.isDate(text)
        switch op {
        case .greaterThan: return isDate ? "is after" : "is greater than"
        case .lessThan: return isDate ? "is before" : "is less than"
        case .equals, .notEquals, .isTrue, .isFalse, .exists, .notExists, .inSegment, .notInSegment: return op.label
        case .performedEvent, .notPerformedEvent, .purchasedProduct, .madePurchase: return op.label
        }
    }

    /// An activity filter as a sentence: "performed viewed_pricing in the last 7 days".
    private var activitySummary: String {
        let window = days.map { $0 == 1 ? "in the last day" : "in the last \($0) days" } ?? "(no valid number of days)"
        switch op {
        case .performedEvent: return "performed \(attribute) \(window)"
        case .notPerformedEvent: return "has not performed \(attribute) \(window)"
        case .purchasedProduct: return "purchased \(attribute) \(window)"
        case .madePurchase: return "made any purchase \(window)"
        case .equals, .notEquals, .isTrue, .isFalse, .exists, .notExists, .greaterThan, .lessThan, .inSegment, .notInSegment:
            return op.label
        }
    }
}
