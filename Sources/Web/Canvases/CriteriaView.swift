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

    /// The sentence before the summary ("Who may enter:" for canvases, "Who is in it:" for segments).
    let who: String
    let summary: String
    let groups: [Group]
    let hasGroups: Bool
    let attributes: [Option]
    let operators: [Option]
    let groupChoices: [Option]
    let consentExplanation: String
    let shortcuts: [Shortcut]
    /// The segments an "in segment" filter can name (none on a segment's own page).
    let segmentChoices: [Option]
    let hasSegmentChoices: Bool
    let error: String?
    /// The activity form's operators ("performed event … in the last N days", …).
    let activityOperators: [Option]
    /// The error of the activity form, shown next to its fields (the attribute form's `error` is then nil).
    let activityError: String?
    /// Whether the remove buttons and add forms are shown (false: a launched canvas outside its edit view).
    let isEditable: Bool
    /// Whether the editor repeats the criteria as a sentence (the canvas page says it in its journey instead).
    var showsSummary = true

    /// The editor for `stored` criteria (nil: unreadable); `segments` are the workspace's segments a filter may
    /// name, by id, or nil where segment filters are not allowed (a segment's own criteria).
    /// `errorOp` is the operator the refused form posted, so its message is shown in the form it came from.
    init(criteria stored: EntryCriteria?, error: String?, errorOp: String? = nil, who: String = "Who may enter:", segments: [Int64: String]? = nil,
         isEditable: Bool = true) {
        self.isEditable = isEditable
        let criteria = stored ?? EntryCriteria.everyone
        let names = segments ?? [:]
        self.who = who
        summary = stored == nil ? "Nobody: the stored criteria cannot be read. Remove the filters and add them again."
            : criteria.summary(segmentNames: names)
        groups = criteria.groups.enumerated().map { groupIndex, filters in
            Group(label: filters.count > 1 ? "Any of these" : "Condition \(groupIndex + 1)",
                  filters: filters.enumerated().map { index, filter in
                      Filter(text: filter.summary(segmentNames: names), group: groupIndex, index: index)
                  })
        }
        segmentChoices = names.sorted { ($0.value.lowercased(), $0.key) < ($1.value.lowercased(), $1.key) }
            .map { Option(value: String($0.key), label: $0.value) }
        hasSegmentChoices = !segmentChoices.isEmpty
        hasGroups = !criteria.groups.isEmpty
        let consent = ConsentAttributes.suggested.map(\.attribute)
        attributes = ConsentAttributes.suggested.map { Option(value: $0.attribute, label: $0.label) }
            + ConsentAttributes.standardAttributes.filter { !consent.contains($0) }.map { Option(value: $0, label: $0) }
        operators = FilterOperator.attributeOperators.map { Option(value: $0.rawValue, label: $0.label) }
        groupChoices = [Option(value: "new", label: "as a new condition (AND)")]
            + criteria.groups.indices.map { Option(value: String($0), label: "or, within condition \($0 + 1) (OR)") }
        consentExplanation = ConsentAttributes.explanation
        shortcuts = ConsentAttributes.suggested.map { Shortcut(attribute: $0.attribute, op: $0.suggestedOperator.rawValue,
                                                                label: EntryCriteria(groups: [[AttributeFilter(attribute: $0.attribute, op: $0.suggestedOperator, value: nil)]]).summary) }
        let fromActivityForm = errorOp.flatMap(FilterOperator.init(rawValue:))?.isActivity == true
        self.error = fromActivityForm ? nil : error
        activityError = fromActivityForm ? error : nil
        activityOperators = FilterOperator.activityOperators.map { Option(value: $0.rawValue, label: $0.label) }
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
