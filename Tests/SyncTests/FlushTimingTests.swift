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
}
