import Core

/// The entry-criteria editor's data: the filters in their groups, and the add-filter form's choices.
struct CriteriaView {
    struct Group {
        let label: String
        let filters: [Filter]
    }

    struct Filter {
        let text: String
        let group: Int
        let index: Int
    }

    struct Option {
        let value: String
        let label: String
    }

    struct Shortcut {
        let attribute: String
        let op: String
        let label: String
    }

    let summary: String
    let groups: [Group]
    let hasGroups: Bool
    let attributes: [Option]
    let operators: [Option]
    let groupChoices: [Option]
    let consentExplanation: String
    let shortcuts: [Shortcut]
    let error: String?

    init(criteria stored: EntryCriteria?, error: String?) {
        let criteria = stored ?? EntryCriteria.everyone
        summary = stored == nil ? "Nobody: the stored criteria cannot be read. Remove the filters and add them again." : criteria.summary
        groups = criteria.groups.enumerated().map { groupIndex, filters in
            Group(label: filters.count > 1 ? "Any of these" : "Condition \(groupIndex + 1)",
                  filters: filters.enumerated().map { index, filter in
                      Filter(text: EntryCriteria(groups: [[filter]]).summary, group: groupIndex, index: index)
                  })
        }
        hasGroups = !criteria.groups.isEmpty
        let consent = ConsentAttributes.suggested.map(\.attribute)
        attributes = ConsentAttributes.suggested.map { Option(value: $0.attribute, label: $0.label) }
            + ConsentAttributes.standardAttributes.filter { !consent.contains($0) }.map { Option(value: $0, label: $0) }
        operators = FilterOperator.allCases.map { Option(value: $0.rawValue, label: $0.label) }
        groupChoices = [Option(value: "new", label: "as a new condition (AND)")]
            + criteria.groups.indices.map { Option(value: String($0), label: "or, within condition \($0 + 1) (OR)") }
        consentExplanation = ConsentAttributes.explanation
        shortcuts = ConsentAttributes.suggested.map { Shortcut(attribute: $0.attribute, op: $0.suggestedOperator.rawValue,
                                                                label: EntryCriteria(groups: [[AttributeFilter(attribute: $0.attribute, op: $0.suggestedOperator, value: nil)]]).summary) }
        self.error = error
    }
}

/// Entry criteria as stored in the canvas row.
enum CriteriaStorage {
    /// The stored criteria, or nil when they cannot be read (a corrupt row, or a filter kind from a newer build).
    ///
    /// Callers fail closed on nil: nobody enters and launch is refused. Reading it as "everyone" would send
    /// users who never consented to ad platforms.
    static func decode(_ json: String) -> EntryCriteria? {
        try? EntryCriteria(jsonText: json)
    }

    static func encode(_ criteria: EntryCriteria) -> String { criteria.jsonText() }
}
