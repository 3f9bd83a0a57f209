import Core
import Testing

@Suite struct CriteriaEditingTests {
    static let a = AttributeFilter(attribute: "ads_tracking_enabled", op: .isTrue)
    static let b = AttributeFilter(attribute: "country", op: .equals, value: "US")
    static let c = AttributeFilter(attribute: "country", op: .equals, value: "CA")
    static let two = EntryCriteria(groups: [[a], [b]])

    static let adds: [(EntryCriteria, Int?, EntryCriteria)] = [
        (.everyone, nil, EntryCriteria(groups: [[c]])),           // first filter: first group
        (two, nil, EntryCriteria(groups: [[a], [b], [c]])),       // nil: a new AND group
        (two, 1, EntryCriteria(groups: [[a], [b, c]])),           // index: OR into that group
        (two, 0, EntryCriteria(groups: [[a, c], [b]])),
        (two, 2, two),                                            // stale index: unchanged
        (two, -1, two),
        (.everyone, 0, .everyone),
    ]

    @Test(arguments: adds)
    func adding(start: EntryCriteria, group: Int?, expected: EntryCriteria) {
        #expect(start.adding(Self.c, toGroup: group) == expected)
    }

    static let removals: [(EntryCriteria, Int, Int, EntryCriteria)] = [
        (EntryCriteria(groups: [[a], [b, c]]), 1, 0, EntryCriteria(groups: [[a], [c]])),
        (EntryCriteria(groups: [[a], [b, c]]), 1, 1, EntryCriteria(groups: [[a], [b]])),
        (EntryCriteria(groups: [[a], [b, c]]), 0, 0, EntryCriteria(groups: [[b, c]])),   // emptied group disappears
        (EntryCriteria(groups: [[a]]), 0, 0, .everyone),
        (two, 2, 0, two),                                                                  // stale indexes: unchanged
        (two, 0, 1, two),
        (two, -1, 0, two),
        (two, 0, -1, two),
    ]

    @Test(arguments: removals)
    func removing(start: EntryCriteria, group: Int, filter: Int, expected: EntryCriteria) {
        #expect(start.removing(group: group, filter: filter) == expected)
    }

    @Test func editingLeavesTheOriginalAlone() {
        let original = Self.two
        _ = original.adding(Self.c, toGroup: 0)
        _ = original.removing(group: 0, filter: 0)
        #expect(original == EntryCriteria(groups: [[Self.a], [Self.b]]))
    }
}
