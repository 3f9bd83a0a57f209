import Core
import CrashPoints
import Foundation
import Partners
import Storage

/// Sends removals with one account-wide call where that is cheaper than one call per audience: a person due to leave
/// two or more audiences of one ad account (steps' or exports') leaves all of them with Meta's `usersofanyaudience`.
/// The claim is leased and fenced like every queue item, the call takes its place in the account's budget, and a
/// refusal is decided by the engine's `RetryPolicy`; a refused item stays pending, so the next pass may send it this
/// way again or its own destination's sender may take it. A batch refused for bad rows is split until they are found.
struct AccountRemovalSender {
    let engine: SyncEngine

    /// Removals claimed for one account-wide call.
    struct Claimed {
        let target: AccountRemovals
        let claimID: String
        let claim: AccountRemovalClaim
    }

    /// How long claimed removals wait when the connection cannot give a token after all.
    static let retryDelay: TimeInterval = 5 * 60

    /// Claims the removals of `target` — on the pass's thread, before the audiences' own senders are started, so
    /// those cannot take them first — when an account-wide call can be made: Meta connected and valid, the account
    /// not throttled. Otherwise nil, and each audience's own sender sends (or reports why it cannot).
    func claim(_ target: AccountRemovals, now time: Date) throws -> Claimed? {
        let store = engine.store
        guard engine.connectors[.facebook] is any AccountWideRemover,
              try store.connection(workspaceID: target.workspaceID, partner: .facebook)?.status == .valid,
              try store.throttledUntil(partner: .facebook, account: target.account, now: time) == nil else { return nil }
        let claimID = UUID().uuidString
        let claim = try store.claimAccountWideRemovals(target, limit: FacebookClient.maxRowsPerCall, claimID: claimID,
                                                       leaseUntil: time.addingTimeInterval(engine.settings.lease), now: time)
        return claim.items.isEmpty ? nil : Claimed(target: target, claimID: claimID, claim: claim)
    }

    /// Sends claimed removals in one call (on the pool) and records the outcome; returns how many items got one.
    func send(_ claimed: Claimed) -> Int {
        let store = engine.store
        let (target, claim) = (claimed.target, claimed.claim)
        do {
            CrashPoints.reach(.claim)
            let keeper = LeaseKeeper(store: store, claimID: claimed.claimID, lease: engine.settings.lease, now: engine.now)
            var lines: [ActivityLine] = []
            let outcomes: [(ids: [Int64], outcome: ItemOutcome)]
            let connection = try store.connection(workspaceID: target.workspaceID, partner: .facebook)
            if let remover = engine.connectors[.facebook] as? any AccountWideRemover, let connection,
               case .success(let token) = engine.tokens.accessToken(connection) {
                outcomes = deliver(claim.items, target: target, remover: remover, connection: connection, token: token, lines: &lines)
            } else {
                outcomes = [(claim.items.map(\.id), .retry(at: engine.now().addingTimeInterval(Self.retryDelay), errorClass: "connection_missing",
                                                          message: "Facebook gave no access token: the removals wait for the connection."))]
            }
            CrashPoints.reach(.removalAnswered)   // test-only: the partner removed them, the database does not know yet
            keeper.stop()
            let recorded = try store.finishRemovals(claimID: claimed.claimID, outcomes: outcomes, now: engine.now())
            for (stepID, count) in claim.itemsByStep {
                try store.recordActivity(stepID: stepID, lines.map { line in
                    ActivityLine(at: line.at, users: count, outcome: line.outcome, summary: "account-wide removal: " + line.summary,
                                 latencyMilliseconds: line.latencyMilliseconds, receipt: nil)
                })
                for case (_, .errored(let errorClass, let message)) in outcomes {
                    engine.notifier.problem(stepID: stepID, connectionID: connection?.id, partner: .facebook, errorClass: errorClass,
                                            message: message, now: engine.now())
                }
            }
            return recorded
        } catch {
            engine.logger.error("account-wide removals failed: \(error)")
            return 0
        }
    }

    /// One call for the people in `items` (each once, however many audiences they leave); bad rows split the batch.
    private func deliver(_ items: [ClaimedItem], target: AccountRemovals, remover: any AccountWideRemover, connection: Connection,
                         token: String, lines: inout [ActivityLine]) -> [(ids: [Int64], outcome: ItemOutcome)] {
        let people = Dictionary(grouping: items) { PersonKey(subject: $0.externalID, row: $0.row) }
        let keys = people.keys.sorted { people[$0]![0].id < people[$1]![0].id }
        let ids = items.map(\.id)
        if let budget = engine.settings.callBudgets[.facebook],
           (try? engine.store.reserveCall(partner: .facebook, account: target.account, budget: budget, now: engine.now())) != true {
            return [(ids, .retry(at: budget.nextSlotStart(engine.now()), errorClass: "throttled", message: "The ad account's call budget is used up."))]
        }
        let started = engine.now()
        do {
            let receipt = try remover.removeFromEveryAudience(account: target.account, schema: target.schema, rows: keys.map(\.row), token: token)
            lines.append(line(started, keys.count, "ok", "received \(receipt.received), invalid \(receipt.invalid)"))
            return [(ids, .synced)]
        } catch {
            lines.append(line(started, keys.count, error.className, error.message))
            if case .invalidData = error, keys.count > 1 {
                let half = keys.count / 2
                return [keys[..<half], keys[half...]].flatMap { part in
                    deliver(part.flatMap { people[$0]! }, target: target, remover: remover, connection: connection, token: token, lines: &lines)
                }
            }
            return [(ids, outcome(for: error, items: items, target: target, connection: connection))]
        }
    }

    private func outcome(for error: PartnerError, items: [ClaimedItem], target: AccountRemovals, connection: Connection) -> ItemOutcome {
        let time = engine.now()
        let decision = engine.settings.retry.decide(error, attempts: items.map(\.attempts).max() ?? 1,
                                                    firstAttempt: items.map(\.firstAttemptAt).min() ?? time, now: time, jitter: Double.random(in: 0...1))
        switch (error, decision) {
        case (.throttled, .retry(let at)):
            try? engine.store.throttle(partner: .facebook, account: target.account, until: at, reason: error.message)
        case (.authInvalid, _):
            engine.tokens.refused(error, connectionID: connection.id)
        default:
            break
        }
        engine.logger.warning("account-wide removal: \(items.count) item(s) \(error.className): \(error.message)")
        switch decision {
        case .retry(let at): return .retry(at: at, errorClass: error.className, message: error.message)
        case .giveUp(let reason): return .errored(errorClass: error.className, message: reason)
        }
    }

    private func line(_ started: Date, _ users: Int, _ outcome: String, _ summary: String) -> ActivityLine {
        ActivityLine(at: started, users: users, outcome: outcome, summary: summary,
                     latencyMilliseconds: max(0, Int(engine.now().timeIntervalSince(started) * 1000)), receipt: nil)
    }

    /// One person as the partner sees them: the same subject with the same values.
    private struct PersonKey: Hashable {
        let subject: String
        let row: [String]
    }
}
