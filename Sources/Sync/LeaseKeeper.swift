import CrashPoints
import Foundation
import Storage

/// Renews a claim's lease while its request is in flight, so a slow partner answer is never mistaken for a
/// crashed worker; if this process dies, renewals stop and the lease runs out, and another claim takes the items.
final class LeaseKeeper: Sendable {
    private let loop: BackgroundLoop

    /// Starts renewing `claimID` every third of `lease`.
    init(store: Store, claimID: String, lease: TimeInterval, now: @escaping @Sendable () -> Date) {
        loop = BackgroundLoop(interval: lease / 3)
        let started = now()
        loop.start {
            // Test-only: a renewal after the first one happens while the partner call is in flight.
            if now().timeIntervalSince(started) >= lease / 6 { CrashPoints.reach(.partnerCallInFlight) }
            try? store.renewLease(claimID: claimID, until: now().addingTimeInterval(lease))
        }
    }

    /// Stops renewing; returns once the renewer has ended.
    func stop() { loop.stop() }
}
