import Core
import Foundation
@testable import Sync
import Testing

@Suite struct FlushTimingTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aFullPartnerBatchGoesAtOnceAndAPartialOneWaitsForTheInterval() {
        let justSent = now.addingTimeInterval(-1)
        #expect(SyncEngine.isDue(count: 10_000, partner: .facebook, lastSent: justSent, now: now, interval: 5))
        #expect(!SyncEngine.isDue(count: 9_999, partner: .facebook, lastSent: justSent, now: now, interval: 5))
        #expect(SyncEngine.isDue(count: 1, partner: .facebook, lastSent: now.addingTimeInterval(-5), now: now, interval: 5))
        // LinkedIn's batch is 5,000: full for it, partial for Facebook.
        #expect(SyncEngine.isDue(count: 5_000, partner: .linkedin, lastSent: justSent, now: now, interval: 5))
        #expect(!SyncEngine.isDue(count: 5_000, partner: .facebook, lastSent: justSent, now: now, interval: 5))
        #expect(!SyncEngine.isDue(count: 50_000, partner: nil, lastSent: justSent, now: now, interval: 5))
    }

    @Test func aBacklogOfFullBatchesGetsALanePerBatchUpToTheLimit() {
        #expect(SyncEngine.lanes(due: 9_999, partner: .facebook, most: 2) == 1)
        #expect(SyncEngine.lanes(due: 20_000, partner: .facebook, most: 2) == 2)
        #expect(SyncEngine.lanes(due: 1_000_000, partner: .facebook, most: 2) == 2)
        #expect(SyncEngine.lanes(due: 15_000, partner: .linkedin, most: 4) == 3)   // 5,000 a call
        #expect(SyncEngine.lanes(due: 50_000, partner: nil, most: 2) == 1)
        // Two lanes for Facebook and TikTok by default, one for the others.
        #expect(SyncSettings().lanes[.facebook] == 2 && SyncSettings().lanes[.tiktok] == 2 && SyncSettings().lanes[.linkedin] == nil)
        // Lane 0 is the step's own key (its removals share it); the others never meet a step id or a chore's key.
        #expect(SyncEngine.laneKey(7, 0) == 7)
        #expect(Set((0..<4).map { SyncEngine.laneKey(7, $0) }).count == 4 && (1..<4).allSatisfy { SyncEngine.laneKey(7, $0) > 1 << 47 })
    }
}
