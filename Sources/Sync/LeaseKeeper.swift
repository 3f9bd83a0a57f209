import Foundation
import Storage
import Synchronization

/// Renews a claim's lease while its request is in flight, so a slow partner answer is never mistaken for a
/// crashed worker; if this process dies, renewals stop and the lease runs out, and another claim takes the items.
final class LeaseKeeper: Sendable {
    private let done = Mutex(false)
    private let stopped = DispatchSemaphore(value: 0)

    /// Starts renewing `claimID` every third of `lease`.
    init(store: Store, claimID: String, lease: TimeInterval, now: @escaping @Sendable () -> Date) {
        Thread.detachNewThread { [self] in
            while true {
                for _ in 0..<max(1, Int(lease / 3 / 0.05)) {
                    if done.withLock({ $0 }) { stopped.signal(); return }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                try? store.renewLease(claimID: claimID, until: now().addingTimeInterval(lease))
            }
        }
    }

    /// Stops renewing; returns once the renewer has ended.
    func stop() {
        done.withLock { $0 = true }
        stopped.wait()
    }
}
