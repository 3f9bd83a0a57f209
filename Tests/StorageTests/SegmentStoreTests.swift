import Core
import Foundation
import Storage
import TestSupport
import Testing

/// Segments in the store, and segment sizes counted in SQL agreeing with the Swift evaluation that decides who
/// enters a canvas.
@Suite struct SegmentStoreTests {
    let store: Store
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let workspace: Int64
    let other: Int64
    let userID: Int64

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("segments") + "/test.sqlite")
        let user = try store.createUser(workspaceName: "Acme", email: "a@acme.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        workspace = user.workspaceID
        userID = user.id
        other = try store.createUser(workspaceName: "Other", email: "o@other.test", passwordHash: StoreTests.hash, role: .admin, now: now).workspaceID
    }

    @Test func namesAreUniqueInAWorkspaceInAnyCaseAndSegmentsStayInTheirWorkspace() throws {
        let buyers = try store.createSegment(workspaceID: workspace, name: "Buyers", createdBy: nil, now: now)
        #expect(throws: StoreError.self) { try store.createSegment(workspaceID: workspace, name: "buyers", createdBy: nil, now: now) }
        _ = try store.createSegment(workspaceID: other, name: "Buyers", createdBy: nil, now: now)
        #expect(throws: StoreError.notFound) { try store.segment(workspaceID: other, id: buyers.id) }
        #expect(throws: StoreError.notFound) { try store.updateSegment(workspaceID: other, id: buyers.id, name: "Mine", now: now) }
        let criteria = EntryCriteria(groups: [[AttributeFilter(attribute: "country", op: .equals, value: "US")]])
        try store.updateSegment(workspaceID: workspace, id: buyers.id, criteriaJSON: criteria.jsonText(), now: now.addingTimeInterval(5))
        let stored = try store.segment(workspaceID: workspace, id: buyers.id)
        #expect(stored.criteria == criteria && stored.name == "Buyers" && stored.updatedAt == now.addingTimeInterval(5))
        #expect(try store.segmentCriteria(workspaceID: workspace, ids: [buyers.id, 999]) == [buyers.id: criteria])
        #expect(try store.segmentCriteria(workspaceID: other, ids: [buyers.id]).isEmpty)
    }

    @Test func aSegmentNamedByACanvasIsKeptAndNamedInTheAnswer() throws {
        let segment = try store.createSegment(workspaceID: workspace, name: "Opted in", createdBy: nil, now: now)
        let canvas = try store.createCanvas(workspaceID: workspace, name: "Retarget", createdBy: userID, now: now)
        let criteria = EntryCriteria(groups: [[AttributeFilter(attribute: "plan", op: .exists)], [AttributeFilter.segment(segment.id)]])
        try store.updateCanvas(workspaceID: workspace, id: canvas.id, entryCriteriaJSON: criteria.jsonText())
        #expect(try store.deleteSegment(workspaceID: workspace, id: segment.id) == .inUse(canvases: ["Retarget"]))
        #expect(try store.segments(workspaceID: workspace).map(\.name) == ["Opted in"])
        try store.updateCanvas(workspaceID: workspace, id: canvas.id, entryCriteriaJSON: EntryCriteria.everyone.jsonText())
        #expect(try store.deleteSegment(workspaceID: workspace, id: segment.id) == .deleted)
        #expect(try store.segments(workspaceID: workspace).isEmpty)
    }

    @Test func sqlCountsAndSamplesAgreeWithTheSwiftEvaluationOnGeneratedProfilesAndActivity() throws {
        var random = SplitMix(seed: 20261122)
        let profiles = (0..<400).map { index in
            ProfileUpdate(externalID: "u\(index)", attributes: Dictionary(uniqueKeysWithValues: Self.attributeValues.compactMap { name, values in
                random.next(100) < 20 ? nil : (name, values[random.next(values.count)])
            }))
        }
        try store.upsertProfiles(workspaceID: workspace, profiles, now: now)
        try store.upsertProfiles(workspaceID: other, [ProfileUpdate(externalID: "u1", attributes: ["country": "\"US\""])], now: now)
        let activity = try storeGeneratedActivity(for: profiles.map(\.externalID), &random)
        var reference: [(String, [String: ProfileValue])] = []
        for update in profiles {
            let stored = try #require(try store.profile(workspaceID: workspace, externalID: update.externalID))
            var attributes = try #require(ProfileValue.parseObject(json: stored.attributesJSON))
            attributes["external_id"] = .string(update.externalID)
            reference.append((update.externalID, attributes))
        }
        // The loader canvas entry uses reads back exactly what was generated.
        let loaded = try store.activityFacts(workspaceID: workspace, externalIDs: profiles.map(\.externalID), days: AttributeFilter.maxDays, now: now)
        for (id, facts) in activity {
            #expect(loaded[id]?.events.map { "\($0.name)@\($0.time)" }.sorted() == facts.events.map { "\($0.name)@\($0.time)" }.sorted())
            #expect(loaded[id]?.purchases.map { "\($0.productID)@\($0.time)" }.sorted() == facts.purchases.map { "\($0.productID)@\($0.time)" }.sorted())
        }
        var nonTrivial = 0
        for _ in 0..<400 {
            let criteria = EntryCriteria(groups: (0..<(1 + random.next(3))).map { _ in (0..<(1 + random.next(2))).map { _ in randomFilter(&random) } })
            let expected = reference.filter { criteria.matches($0.1, activity: activity[$0.0]) }.map(\.0)
            let counted = try store.countProfiles(workspaceID: workspace, matching: criteria, now: now)
            #expect(counted == expected.count, "\(criteria.jsonText())")
            let listed = try store.profiles(workspaceID: workspace, matching: criteria, limit: 1000, now: now).map(\.profile.externalID)
            #expect(Set(listed) == Set(expected), "\(criteria.jsonText())")
            if !expected.isEmpty && expected.count < profiles.count { nonTrivial += 1 }
        }
        // The generator must produce criteria that split the profiles, or the comparison proves nothing.
        #expect(nonTrivial > 100)
    }

    @Test func activityIsReadOnlyFromTheUsersOwnWorkspaceAndWindow() throws {
        let event = { (id: String, days: Double) in ProfileEvent(externalID: id, name: "viewed_pricing", time: now.addingTimeInterval(-days * 86_400), propertiesJSON: nil) }
        try store.track(workspaceID: workspace, updates: [ProfileUpdate(externalID: "u1", attributes: [:])], events: [event("u1", 40)], now: now,
                        enter: { _ in [] })
        try store.track(workspaceID: other, updates: [ProfileUpdate(externalID: "u1", attributes: [:])], events: [event("u1", 1)], now: now,
                        enter: { _ in [] })
        let facts = try store.activityFacts(workspaceID: workspace, externalIDs: ["u1", "nobody"], days: 30, now: now)
        #expect(facts["u1"] == ActivityFacts(now: now) && facts["nobody"] == ActivityFacts(now: now))   // the 40-day-old one is outside the window
        #expect(try store.activityFacts(workspaceID: workspace, externalIDs: ["u1"], days: 60, now: now)["u1"]?.events.count == 1)
        let recent = EntryCriteria(groups: [[AttributeFilter(attribute: "viewed_pricing", op: .performedEvent, value: "7")]])
        #expect(try store.countProfiles(workspaceID: workspace, matching: recent, now: now) == 0)
        #expect(try store.countProfiles(workspaceID: other, matching: recent, now: now) == 1)
    }

    @Test func theSampleIsTheNewestMembersPageByPage() throws {
        try store.upsertProfiles(workspaceID: workspace, (0..<30).map { ProfileUpdate(externalID: "p\($0)", attributes: ["plan": $0 % 2 == 0 ? "\"gold\"" : "\"free\""]) },
                                 now: now)
        let gold = EntryCriteria(groups: [[AttributeFilter(attribute: "plan", op: .equals, value: "GOLD")]])
        let first = try store.profiles(workspaceID: workspace, matching: gold, limit: 10, now: now)
        #expect(first.map(\.profile.externalID) == stride(from: 28, through: 10, by: -2).map { "p\($0)" })
        let rest = try store.profiles(workspaceID: workspace, matching: gold, before: first.last?.rowID, limit: 10, now: now)
        #expect(rest.map(\.profile.externalID) == stride(from: 8, through: 0, by: -2).map { "p\($0)" })
        #expect(try store.countProfiles(workspaceID: workspace, matching: gold, now: now) == 15)
        #expect(try store.countProfiles(workspaceID: workspace, matching: .everyone, now: now) == 30)
    }

    /// Attribute values as canonical JSON, chosen to hit every typing rule: case, non-ASCII case, numbers as
    /// text, booleans as text, arrays, null, dates and non-dates, and a name a JSON path cannot quote.
    static let attributeValues: [(String, [String])] = [
        ("country", [#""US""#, #""us""#, #""CA""#, #""ÉIRE""#, #""éire""#, "7", #""7""#, "7.5", "true", "null", #"["US","FR"]"#, #"[7,"x",true]"#, "[]", #""""#]),
        ("age", ["17", "18", "18.5", #""18""#, #""2000-01-31""#, "true", "null", "[18]", "-3"]),
        ("ads_tracking_enabled", ["true", "false", #""true""#, "1", "0", "null"]),
        ("dob", [#""2000-01-31""#, #""1990-06-15""#, #""2000-02-30""#, #""not a date""#, "2000", #""2000-1-31""#]),
        ("we\"ird.name", [#""x""#, "1", #"["x"]"#, "false"]),
    ]

    /// Event names and products that differ only in case or Unicode form (precomposed and decomposed é), so exact
    /// matching is tested on both sides.
    static let eventNames = ["viewed_pricing", "Viewed_Pricing", "signed_up", "caf\u{E9}", "cafe\u{301}"]
    static let products = ["gold", "GOLD", "silver"]
    /// Offsets from now in days: exactly on a 7-day boundary, a hair either side, and far past or in the future.
    static let dayOffsets: [Double] = [-7, -7.000_001, -6.999_999, -0.25, -1, -30, -29.5, -365, -400, 1]
    static let windows = ["1", "7", "30", "365", "3650", "0", "x", " 7 "]

    /// Stores 0–4 events and 0–2 purchases for each user through `Store.track`, and returns them as the Swift
    /// evaluation sees them (every user has facts, possibly empty).
    func storeGeneratedActivity(for ids: [String], _ random: inout SplitMix) throws -> [String: ActivityFacts] {
        var events: [ProfileEvent] = []
        var purchases: [ProfilePurchase] = []
        var facts: [String: ActivityFacts] = [:]
        for id in ids {
            var user = ActivityFacts(now: now)
            for _ in 0..<random.next(5) {
                let time = now.addingTimeInterval(Self.dayOffsets[random.next(Self.dayOffsets.count)] * 86_400)
                let name = Self.eventNames[random.next(Self.eventNames.count)]
                events.append(ProfileEvent(externalID: id, name: name, time: time, propertiesJSON: nil))
                user.events.append(.init(name: name, time: time.timeIntervalSince1970))
            }
            for _ in 0..<random.next(3) {
                let time = now.addingTimeInterval(Self.dayOffsets[random.next(Self.dayOffsets.count)] * 86_400)
                let product = Self.products[random.next(Self.products.count)]
                purchases.append(ProfilePurchase(externalID: id, productID: product, price: 5, currency: "USD", quantity: 1, time: time, propertiesJSON: nil))
                user.purchases.append(.init(productID: product, time: time.timeIntervalSince1970))
            }
            facts[id] = user
        }
        try store.track(workspaceID: workspace, updates: ids.map { ProfileUpdate(externalID: $0, attributes: [:]) }, events: events,
                        purchases: purchases, now: now, enter: { _ in [] })
        return facts
    }

    func randomFilter(_ random: inout SplitMix) -> AttributeFilter {
        if random.next(100) < 35 {
            let op = FilterOperator.activityOperators[random.next(FilterOperator.activityOperators.count)]
            let names = op == .purchasedProduct ? Self.products : Self.eventNames
            return AttributeFilter(attribute: op == .madePurchase ? AttributeFilter.purchaseAttribute : names[random.next(names.count)], op: op,
                                   value: Self.windows[random.next(Self.windows.count)])
        }
        let names = Self.attributeValues.map(\.0) + ["external_id", "missing"]
        let values = ["US", "us", "éire", "ÉIRE", "7", "7.0", "7.5", "18", "17.9", "true", "FALSE", "2000-01-01", "1995-01-01", "x", "u1", " US ", "[]", "-3"]
        let op = FilterOperator.attributeOperators[random.next(FilterOperator.attributeOperators.count)]
        return AttributeFilter(attribute: names[random.next(names.count)], op: op, value: op.needsValue ? values[random.next(values.count)] : nil)
    }
}

/// A small seeded generator (SplitMix64), so a failing case can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
