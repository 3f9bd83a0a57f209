extension AttributeFilter {
    /// The longest attribute name, the same limit profiles have (`ProfileValidation.maxNameLength`).
    public static let maxAttributeLength = 255

    /// The attribute every segment filter carries, so stored filters keep one shape.
    public static let segmentAttribute = "segment"

    /// A filter on membership of segment `id`.
    public static func segment(_ id: Int64, member: Bool = true) -> AttributeFilter {
        AttributeFilter(attribute: segmentAttribute, op: member ? .inSegment : .notInSegment, value: String(id))
    }

    /// A filter from the editor's fields, trimmed, with the fixed attribute of segment and "made any purchase"
    /// filters filled in (their forms have no attribute field) and no value for operators that take none.
    public static func edited(attribute: String, op: FilterOperator, value: String) -> AttributeFilter {
        let fixed: String? = op.isSegment ? segmentAttribute : (op == .madePurchase ? purchaseAttribute : nil)
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return AttributeFilter(attribute: fixed ?? attribute.trimmingCharacters(in: .whitespaces), op: op, value: op.needsValue ? trimmed : nil)
    }

    /// The first thing wrong with this filter in plain words, or nil when it can be saved.
    public func problem() -> String? { fieldProblems().first?.message }

    /// Every problem, each with the filter field it belongs to (`attribute` or `value`), for form errors.
    func fieldProblems() -> [(field: String, message: String)] {
        var problems: [(field: String, message: String)] = []
        if let message = attributeProblem() { problems.append((field: "attribute", message: message)) }
        if let message = valueProblem() { problems.append((field: "value", message: message)) }
        return problems
    }

    private func attributeProblem() -> String? {
        if op.isSegment { return attribute == Self.segmentAttribute ? nil : "Segment filters have the attribute \"segment\"." }
        if op == .madePurchase { return attribute == Self.purchaseAttribute ? nil : "\"Made any purchase\" filters have the attribute \"purchase\"." }
        if op.isActivity {
            if attribute.isEmpty { return op == .purchasedProduct ? "Enter the product id." : "Enter the event name." }
            return attribute.count > ActivityValidation.maxNameLength ? "Event names and product ids have at most \(ActivityValidation.maxNameLength) characters." : nil
        }
        if attribute.isEmpty { return "Choose an attribute." }
        if attribute.count > Self.maxAttributeLength { return "Attribute names have at most \(Self.maxAttributeLength) characters." }
        // Profiles cannot have such attributes ($ names are reserved), so the filter could never match.
        if attribute.hasPrefix("$") { return "Attribute names cannot start with $." }
        return nil
    }

    private func valueProblem() -> String? {
        guard op.needsValue else {
            return trimmedValue == nil ? nil : "\"\(op.label)\" takes no value; leave the value empty."
        }
        guard let text = trimmedValue else {
            return op.isActivity ? "Enter the number of days as a whole number from 1 to \(Self.maxDays)." : "Enter a value to compare with."
        }
        switch op {
        case .greaterThan, .lessThan:
            let comparable = FilterValueParsing.number(text) != nil || FilterValueParsing.isDate(text)
            return comparable ? nil : "Use a number (such as 18) or a date as YYYY-MM-DD (such as 2000-01-31)."
        case .inSegment, .notInSegment:
            return segmentID == nil ? "Choose a segment." : nil
        case .performedEvent, .notPerformedEvent, .purchasedProduct, .madePurchase:
            return days == nil ? "Enter the number of days as a whole number from 1 to \(Self.maxDays)." : nil
        case .equals, .notEquals, .isTrue, .isFalse, .exists, .notExists:
            return nil
        }
    }
}

extension EntryCriteria {
    /// Everything that stops these criteria being saved, with fields named like `groups[1][0].value`.
    ///
    /// `index` is left nil: `FieldError.index` means a position in a request's array, which criteria are not.
    public func problems() -> [FieldError] {
        var errors: [FieldError] = []
        if filterCount > Self.maxFilters {
            errors.append(FieldError(field: "groups", message: "At most \(Self.maxFilters) filters in all; this has \(filterCount)."))
        }
        for (g, group) in groups.enumerated() {
            // An empty OR group matches nobody, which would silently block the whole canvas.
            if group.isEmpty { errors.append(FieldError(field: "groups[\(g)]", message: "A group needs at least one filter.")) }
            for (f, filter) in group.enumerated() {
                for problem in filter.fieldProblems() {
                    errors.append(FieldError(field: "groups[\(g)][\(f)].\(problem.field)", message: problem.message))
                }
            }
        }
        return errors
    }

    /// The problems of a segment's own criteria: those of any criteria, and no segment filters (a segment
    /// built on segments could loop, and its size could not be counted in one query).
    public func segmentProblems() -> [FieldError] {
        var errors = problems()
        for (g, group) in groups.enumerated() {
            for (f, filter) in group.enumerated() where filter.op.isSegment {
                errors.append(FieldError(field: "groups[\(g)][\(f)].op", message: "A segment cannot refer to another segment."))
            }
        }
        return errors
    }
}
