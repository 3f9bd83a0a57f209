/// One condition on one profile attribute, such as `country equals US` or `ads_tracking_enabled is true`.
///
/// Stored as `{"attribute":"country","op":"equals","value":"US"}`; `value` is omitted for operators that take none.
/// The value is always text, as typed in the editor; evaluation decides how to read it against the profile's
/// JSON value (see `CriteriaEvaluation.swift`).
public struct AttributeFilter: Codable, Sendable, Equatable {
    /// The attribute's name: a standard one (`country`) or any custom one; `external_id` works too.
    public var attribute: String
    /// How the attribute is tested.
    public var op: FilterOperator
    /// What the attribute is compared with, for the operators that need one (`op.needsValue`).
    public var value: String?

    /// The stored JSON keys, spelled out so renaming a property can never change saved criteria.
    enum CodingKeys: String, CodingKey { case attribute, op, value }

    /// Creates a filter.
    public init(attribute: String, op: FilterOperator, value: String? = nil) {
        self.attribute = attribute
        self.op = op
        self.value = value
    }

    /// The value with surrounding whitespace removed, or nil when it is missing or blank.
    ///
    /// Form fields often carry stray spaces, and a blank field means "no value"; validation and evaluation both
    /// read the value through this so they never disagree.
    var trimmedValue: String? {
        guard let text = value?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }
}
