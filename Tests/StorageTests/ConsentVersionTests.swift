import Core
import Foundation
import GRDB
@testable import Storage
import Testing

/// The claim skips the consent screen only for chunks whose entry was decided on the profiles and policy it would read
/// itself (migration 028): a profile or policy change after the entry, or an entry decided under a policy that had
/// already changed, still keeps an opted-out user back.
@Suite struct ConsentVersionTests {
    let queue: SyncChunkTests
    let noConditions = ConsentPolicy(conditions: [])

    init() throws { queue = try SyncChunkTests() }

    /// Enters `ids` in one request, as a walk under `policy` would (everyone is queued: the walk's own consent check is
    /// not what is tested here), with `updates` written first.
    func enter(_ ids: [String], updates: [ProfileUpdate] = [], decidedUnder policy: ConsentPolicy?) throws {
        let step = queue.step
        _ = try queue.store.trigger(workspaceID: queue.workspaceID, canvasID: queue.canvasID,
                                    updates: updates.isEmpty ? ids.map { ProfileUpdate(externalID: $0, attributes: [:]) } : updates,
                                    externalIDs: ids, now: queue.now, decidedUnder: policy) { id, _ in
            PathOutcome(waitingAt: nil, waitUntil: nil, counts: [StepCount(stepID: step, metric: .entered)],
                        items: [SyncItemDraft(stepID: step, schema: ["EMAIL"], row: ["h-" + id])])
        }
    }

    func claim(_ policy: ConsentPolicy) throws -> [String] {
        try queue.store.claim(stepID: queue.step, limit: 100, claimID: UUID().uuidString, leaseUntil: queue.now.addingTimeInterval(30),
                              now: queue.now, policy: policy).map(\.externalID).sorted()
    }

    func versions() throws -> (workspace: Int64, chunks: [Int64]) {
        try DatabaseQueue(path: queue.store.path).read { db in
            (try Int64.fetchOne(db, sql: "SELECT consent_version FROM workspace WHERE id = ?", arguments: [queue.workspaceID]) ?? 0,
             try Int64.fetchAll(db, sql: "SELECT consent_version FROM sync_chunk ORDER BY id"))
        }
    }

    @Test func aChunkEnteredUnderTheCurrentPolicyKeepsItsVersionAndIsClaimedWhole() throws {
        try enter(["a", "b"], decidedUnder: .standard)
        let (workspace, chunks) = try versions()
        #expect(workspace >= 1 && chunks == [workspace])
        #expect(try claim(.standard) == ["a", "b"])
    }

    @Test func anEntryDecidedUnderAPolicyThatHadChangedIsScreened() throws {
        try queue.store.upsertProfiles(workspaceID: queue.workspaceID, [ProfileUpdate(externalID: "no", attributes: ["do_not_sell": "true"])],
                                       now: queue.now)
        try enter(["no", "yes"], updates: [ProfileUpdate(externalID: "yes", attributes: [:])], decidedUnder: noConditions)
        #expect(try versions().chunks == [0])
        #expect(try claim(.standard) == ["yes"])
        #expect(try queue.store.syncItemCounts(stepID: queue.step) == ["pending": 1])
    }

    @Test func anOptOutAfterTheEntryIsScreened() throws {
        try enter(["a", "b"], decidedUnder: .standard)
        let before = try versions().workspace
        try queue.store.upsertProfiles(workspaceID: queue.workspaceID, [ProfileUpdate(externalID: "a", attributes: ["ads_tracking_enabled": "false"])],
                                       now: queue.now)
        #expect(try versions().workspace == before + 1)
        #expect(try claim(.standard) == ["b"])
    }

    @Test func aWriteThatSetsNoConsentAttributeKeepsTheVersion() throws {
        try enter(["a"], decidedUnder: .standard)
        let before = try versions().workspace
        try queue.store.upsertProfiles(workspaceID: queue.workspaceID, [ProfileUpdate(externalID: "a", attributes: ["plan": #""gold""#])], now: queue.now)
        try queue.store.track(workspaceID: queue.workspaceID, updates: [ProfileUpdate(externalID: "a", attributes: ["city": #""Oslo""#])],
                              now: queue.now) { _ in [] }
        #expect(try versions().workspace == before)
        try queue.store.track(workspaceID: queue.workspaceID, updates: [ProfileUpdate(externalID: "a", attributes: ["do_not_sell": "true"])],
                              now: queue.now) { _ in [] }
        #expect(try versions().workspace == before + 1)
        #expect(try claim(.standard).isEmpty)
    }

    @Test func aPolicyChangeAfterTheEntryIsScreened() throws {
        try queue.store.setConsentPolicy(workspaceID: queue.workspaceID, noConditions, by: nil, now: queue.now)
        try queue.store.upsertProfiles(workspaceID: queue.workspaceID, [ProfileUpdate(externalID: "no", attributes: ["do_not_sell": "true"])],
                                       now: queue.now)
        try enter(["no", "yes"], updates: [ProfileUpdate(externalID: "yes", attributes: [:])], decidedUnder: noConditions)
        #expect(try versions().chunks == [versions().workspace])
        try queue.store.setConsentPolicy(workspaceID: queue.workspaceID, .standard, by: nil, now: queue.now)
        #expect(try claim(.standard) == ["yes"])
    }

    @Test func aChunkEnteredWithoutAPolicyIsScreened() throws {
        try queue.store.upsertProfiles(workspaceID: queue.workspaceID, [ProfileUpdate(externalID: "no", attributes: ["do_not_sell": "true"])],
                                       now: queue.now)
        try enter(["no"], updates: [ProfileUpdate(externalID: "no", attributes: [:])], decidedUnder: nil)
        #expect(try versions().chunks == [0])
        #expect(try claim(.standard).isEmpty)
    }
}
