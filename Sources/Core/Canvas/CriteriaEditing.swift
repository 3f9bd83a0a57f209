// Pure editing steps for the criteria form's handlers: each returns the edited criteria and leaves self as is.
// Indexes come from form posts, so an index that no longer exists (a stale page in another tab) leaves the
// criteria unchanged instead of trapping; the handler shows the result, so nothing is silently half-applied.

extension EntryCriteria {
    /// The criteria with `filter` added: as a new AND group when `toGroup` is nil, or OR-ed into that group.
    ///
    /// An out-of-range group index returns the criteria unchanged. The 50-filter limit is left to `problems()`,
    /// so the editor can show the over-long criteria with the message rather than dropping the filter.
    public func adding(_ filter: AttributeFilter, toGroup group: Int?) -> EntryCriteria {
        var edited = self
        guard let group else {
            edited.groups.append([filter])
            return edited
        }
        guard edited.groups.indices.contains(group) else { return self }
        edited.groups[group].append(filter)
        return edited
    }

    /// The criteria without filter `filter` of group `group`; a group left empty disappears, because an empty
    /// OR group would match nobody.
    ///
    /// Out-of-range indexes return the criteria unchanged.
    public func removing(group: Int, filter: Int) -> EntryCriteria {
        guard groups.indices.contains(group), groups[group].indices.contains(filter) else { return self }
        var edited = self
        edited.groups[group].remove(at: filter)
        if edited.groups[group].isEmpty { edited.groups.remove(at: group) }
        return edited
    }
}
