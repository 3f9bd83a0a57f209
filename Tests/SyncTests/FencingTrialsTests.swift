import Core
import Foundation
import Storage
import TestSupport
import Testing

/// Fencing of stale workers (reliability.md Q-6), 1,000 trials on a real SQLite file: worker A claims a batch and
/// stalls (a SIGSTOP, a long pause) past its lease; worker B claims the same items and completes them; A wakes up
/// and completes too — in either order. Variants: A renews in time (B gets nothing), or A is late but nobody took
/// over (A's completion counts). Pass: every item completed exactly once (the completions' counts add up to the
/// items, the step's Users Synced equals them), a stale completion changes 0 rows, nothing left pending.
@Suite struct FencingTrialsTests {
    static let trials = Int(ProcessInfo.processInfo.environment["FENCING_TRIALS"] ?? "") ?? 1000

    @Test func aStaleWorkerNeverCompletesTwiceAndNothingIsLost() throws {
        var random = SplitMix(state: 6)
        let store = try Store(path: ProjectPaths.temporaryDirectory("fencing") + "/f.sqlite")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var now = start
        let user = try store.createUser(workspaceName: "W", email: "a@w.test", passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
                                        role: .admin, now: now)
        let canvas = try store.createCanvas(workspaceID: user.workspaceID, name: "C", createdBy: user.id, now: now)
        let step: Int64 = try store.addStep(workspaceID: user.workspaceID, canvasID: canvas.id, kind: .audienceSync(AudienceSyncConfig(
            partner: .facebook, adAccountID: "act_1", audience: .new(name: "A", externalID: "9"), action: .add, fields: [.email]))).id
        try store.setCanvasStatus(workspaceID: user.workspaceID, id: canvas.id, status: .active, launchedBy: user.id, now: now)
        let lease: TimeInterval = 30
        var entered = 0, completions = 0, staleRefused = 0, takeovers = 0
        var nextUser = 0

        for trial in 0..<Self.trials {
            let count = Int.random(in: 1...8, using: &random)
            let ids = (0..<count).map { _ in nextUser += 1; return "u\(nextUser)" }
            _ = try store.trigger(workspaceID: user.workspaceID, canvasID: canvas.id, updates: ids.map { ProfileUpdate(externalID: $0, attributes: [:]) },
                                  externalIDs: ids, now: now) { _, _ in
                PathOutcome(counts: [StepCount(stepID: step, metric: .entered), StepCount(stepID: step, metric: .queued)],
                            items: [SyncItemDraft(stepID: step, schema: ["EMAIL"], row: ["h"])])
            }
            entered += count
            let a = try store.claim(stepID: step, limit: 100, claimID: "a\(trial)", leaseUntil: now.addingTimeInterval(lease), now: now, policy: nil)
            #expect(a.count == count, "trial \(trial)")
            let idsA = a.map(\.id)
            switch Int.random(in: 0..<4, using: &random) {
            case 0:     // A renews while in flight: B finds nothing to take, A completes
                now = now.addingTimeInterval(lease * 2 / 3)
                try store.renewLease(claimID: "a\(trial)", until: now.addingTimeInterval(lease))
                now = now.addingTimeInterval(lease / 2)
                #expect(try store.claim(stepID: step, limit: 100, claimID: "b\(trial)", leaseUntil: now.addingTimeInterval(lease), now: now, policy: nil).isEmpty)
                completions += try store.finish(claimID: "a\(trial)", outcomes: [(idsA, .synced)], stepID: step, now: now)
            case 1:     // A stalls past its lease, nobody takes over, A's late completion still counts
                now = now.addingTimeInterval(lease + 5)
                completions += try store.finish(claimID: "a\(trial)", outcomes: [(idsA, .synced)], stepID: step, now: now)
            default:    // A stalls, B takes over; they complete in a random order
                now = now.addingTimeInterval(lease + Double(Int.random(in: 1...60, using: &random)))
                let b = try store.claim(stepID: step, limit: 100, claimID: "b\(trial)", leaseUntil: now.addingTimeInterval(lease), now: now, policy: nil)
                #expect(b.map(\.id) == idsA, "trial \(trial): B must take over exactly A's items")
                takeovers += 1
                let finishB = { try store.finish(claimID: "b\(trial)", outcomes: [(b.map(\.id), .synced)], stepID: step, now: now) }
                let finishA = { try store.finish(claimID: "a\(trial)", outcomes: [(idsA, .synced)], stepID: step, now: now) }
                let (first, second) = Bool.random(using: &random) ? (try finishA(), try finishB()) : (try finishB(), try finishA())
                #expect(first + second == count, "trial \(trial)")
                staleRefused += (first == 0 || second == 0) ? 1 : 0
                completions += first + second
            }
            now = now.addingTimeInterval(1)
        }

        let items = try store.syncItemCounts(stepID: step)
        let synced = try store.stepSeries(stepID: step, metrics: ["synced"], start: start, bucket: 86_400 * 365, count: 1)["synced"]?.first ?? 0
        print("fencing: \(Self.trials) trials, \(takeovers) takeovers, \(staleRefused) stale completions fenced off, \(entered) items, "
              + "\(completions) completions, \(items)")
        #expect(completions == entered)
        #expect(staleRefused == takeovers)
        #expect(items == ["synced": entered])
        #expect(synced == entered)
    }
}
