import Core
import CrashPoints
import Foundation
import Storage

/// Sends a step's queued removals — users who withdrew consent or were erased — to the audience the step added them
/// to, with the partner's removal call: the same destination, budget, retries, bad-row isolation and alerts as the
/// step's own sends, claimed with a lease and fenced like them, so a `kill -9` re-sends at most the batch in flight.
struct RemovalSender {
    let engine: SyncEngine

    /// Sends one batch of the step's due removals and records the outcome; returns how many got one.
    func send(stepID: Int64) -> Int {
        let store = engine.store
        let time = engine.now()
        do {
            guard case .success(let adding) = try SyncDestination.resolve(stepID: stepID, store: store, tokens: engine.tokens,
                                                                           connectors: engine.connectors) else {
                return 0   // the step's own sends report why the destination cannot be used; the removals wait with them
            }
            let destination = adding.removing()
            if try store.throttledUntil(partner: destination.partner, account: destination.account, now: time) != nil { return 0 }
            let claimID = UUID().uuidString
            let items = try store.claimRemovals(stepID: stepID, limit: destination.uploader.maxUsersPerRequest, claimID: claimID,
                                                leaseUntil: time.addingTimeInterval(engine.settings.lease), now: time)
            guard !items.isEmpty else { return 0 }
            CrashPoints.reach(.claim)
            let keeper = LeaseKeeper(store: store, claimID: claimID, lease: engine.settings.lease, now: engine.now)
            var activity: [ActivityLine] = []
            let outcomes = engine.deliver(items, to: destination, activity: &activity)
            CrashPoints.reach(.removalAnswered)   // test-only: the partner removed them, the database does not know yet
            keeper.stop()
            let recorded = try store.finishRemovals(claimID: claimID, outcomes: outcomes, now: engine.now())
            if recorded < items.count {
                engine.logger.warning("[Sync] step \(stepID): \(items.count - recorded) of \(items.count) removal outcome(s) not recorded: the claim was taken over after its lease ran out")
            }
            try store.recordActivity(stepID: stepID, activity)
            return recorded
        } catch {
            engine.logger.error("removals of step \(stepID) failed: \(error)")
            return 0
        }
    }
}

extension SyncDestination {
    /// The same destination with the partner's removal call: removals go to the audience the step added users to.
    func removing() -> SyncDestination {
        SyncDestination(stepID: stepID, partner: partner, account: account, audienceID: audienceID, action: .remove, connectionID: connectionID,
                        connection: connection, token: token, uploader: uploader, policy: policy)
    }
}
