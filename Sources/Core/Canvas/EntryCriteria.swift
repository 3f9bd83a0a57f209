/// Who may enter a canvas: an AND of groups, each group an OR of attribute filters.
///
/// A group with one filter is a plain AND condition; a group with several is "any of these". No groups at all
/// means everyone. This shape (conjunctive normal form) is what the editor builds: "add filter" starts a new
/// AND group and "or" adds to an existing one. Stored as `{"groups":[[{"attribute":…,"op":…}]]}`.
public struct EntryCriteria: Codable, Sendable, Equatable {
    /// The AND of these groups; each group is the OR of its filters.
    public var groups: [[AttributeFilter]]

    /// The stored JSON key, spelled out so renaming the property can never change saved criteria.
    enum CodingKeys: String, CodingKey { case groups }

    /// Creates criteria from groups (none: everyone).
    public init(groups: [[AttributeFilter]] = []) {
        self.groups = groups
    }

    /// Criteria with no filters, which every user meets.
    public static let everyone = EntryCriteria()

    /// The most filters one canvas may have in all, to keep criteria readable and evaluation cheap.
    public static let maxFilters = 50

    /// How many filters there are across all groups.
    public var filterCount: Int { groups.reduce(0) { $0 + $1.count } }
}
