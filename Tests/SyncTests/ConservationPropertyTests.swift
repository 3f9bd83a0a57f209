import Core
import Foundation
import Storage
import TestSupport
import Testing

/// A small deterministic generator, so a failing sequence can be replayed from its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `entered = synced + not_synced + errored + pending` at a sync step after every operation of random sequences
/// of ingest, claims, every outcome, crashes (claims abandoned mid-flight), stale completions, time and deadlines.
@Suite struct ConservationPropertyTests {
    /// 24 sequences in `make test`; `PROPERTY_SEQUENCES=10000 swift test --filter ConservationProperty` for the checklist's run.
    static let seeds: [UInt64] = [1, 2, 3, 42, 2026, 90210]
        + (1000..<UInt64(1000 + max(0, (Int(ProcessInfo.processInfo.environment["PROPERTY_SEQUENCES"] ?? "") ?? 24) - 6)))

    @Test(arguments: seeds)
    func theAccountingIdentityHoldsAfterEveryOperation(seed: UInt64) throws {
        var random = SplitMix(state: seed)
        let store = try Store(path: ProjectPaths.temporaryDirectory("property") + "/p.sqlite")
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        let user = try store.createUser(workspaceName: "W", email: "a@w.test", passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", role: .admin, now: now)
        let canvas = try store.createCanvas(workspaceID: user.workspaceID, name: "C", createdBy: user.id, now: now)
        let step: Int64 = try store.addStep(workspaceID: user.workspaceID, canvasID: canvas.id, kind: .audienceSync(AudienceSyncConfig(
            partner: .facebook, adAccountID: "act_1", audience: .new(name: "A", externalID: "9"), action: .add, fields: [.email]))).id
        try store.setCanvasStatus(workspaceID: user.workspaceID, id: canvas.id, status: .active, launchedBy: user.id, now: now)
        var claims: [(id: String, items: [Int64])] = []
        var abandoned: [(id: String, items: [Int64])] = []
        var nextUser = 0
        var withdrawn: Set<String> = []

        for _ in 0..<300 {
            switch Int.random(in: 0..<9, using: &random) {
            case 0, 1:   // ingest: some users have a field to match, some do not
                let count = Int.random(in: 1...20, using: &random)
                let ids = (0..<count).map { _ in nextUser += 1; return "u\(nextUser)" }
                var flags = (0..<count).map { _ in Int.random(in: 0..<3, using: &random) }   // 0 no field, 1 queued, 2 blocked by consent
                _ = try store.trigger(workspaceID: user.workspaceID, canvasID: canvas.id, updates: ids.map { ProfileUpdate(externalID: $0, attributes: [:]) },
                                      externalIDs: ids, now: now) { _, _ in
                    let kind = flags.removeFirst()
                    let metric: StepMetric = [.notSyncedNoField, .queued, .notSyncedNoConsent][kind]
                    return PathOutcome(counts: [StepCount(stepID: step, metric: .entered), StepCount(stepID: step, metric: metric),
                                                StepCount(stepID: step, metric: .exited)],
                                       items: kind == 1 ? [SyncItemDraft(stepID: step, schema: ["EMAIL"], row: ["h"])] : [],
                                       blocks: kind == 2 ? [ConsentBlock(stepID: step, reason: "do_not_sell is true")] : [])
                }
            case 8:      // withdrawal: some users opt out; the claim's consent gate must keep them back, counted
                guard nextUser > 0 else { continue }
                let ids = (0..<Int.random(in: 1...5, using: &random)).map { _ in "u\(Int.random(in: 1...nextUser, using: &random))" }
                try store.upsertProfiles(workspaceID: user.workspaceID, ids.map { ProfileUpdate(externalID: $0, attributes: ["do_not_sell": "true"]) },
                                         now: now)
                withdrawn.formUnion(ids)
            case 2:      // claim
                let claimID = "c\(Int.random(in: 0..<1_000_000, using: &random))"
                let items = try store.claim(stepID: step, limit: Int.random(in: 1...15, using: &random), claimID: claimID,
                                            leaseUntil: now.addingTimeInterval(30), now: now, policy: .standard)
                #expect(items.allSatisfy { !withdrawn.contains($0.externalID) }, "seed \(seed): a withdrawn user was claimed for sending")
                if !items.isEmpty { claims.append((claimID, items.map(\.id))) }
            case 3:      // finish a live claim with mixed outcomes
                guard !claims.isEmpty else { continue }
                let claim = claims.remove(at: Int.random(in: 0..<claims.count, using: &random))
                let split = Int.random(in: 0...claim.items.count, using: &random)
                let outcome: ItemOutcome = [.synced, .retry(at: now.addingTimeInterval(60), errorClass: "transient", message: "500"),
                                            .errored(errorClass: "permanent", message: "no")].randomElement(using: &random)!
                try store.finish(claimID: claim.id, outcomes: [(Array(claim.items[..<split]), .synced), (Array(claim.items[split...]), outcome)],
                                 stepID: step, now: now)
            case 4:      // a crash: every claim in flight is abandoned
                abandoned += claims
                claims.removeAll()
            case 5:      // a stale worker wakes up and tries to finish: fenced off when its lease was taken over
                guard let stale = abandoned.popLast() else { continue }
                try store.finish(claimID: stale.id, outcomes: [(stale.items, .synced)], stepID: step, now: now)
            case 6:      // time passes: leases run out, retries come due
                now = now.addingTimeInterval(Double(Int.random(in: 1...120, using: &random)))
            default:     // the deadline sweep
                try store.expireItems(olderThan: now.addingTimeInterval(-600), now: now)
            }
            try check(store, step: step, seed: seed)
        }
    }

    private func check(_ store: Store, step: Int64, seed: UInt64) throws {
        let figures = try store.stepTotals(canvasID: try #require(try store.owner(ofStep: step)).canvasID)[step] ?? [:]
        let items = try store.syncItemCounts(stepID: step)
        let entered = figures[.entered] ?? 0
        let accounted = (items["synced"] ?? 0) + StepMetric.notSynced.reduce(0) { $0 + (figures[$1] ?? 0) } + (items["errored"] ?? 0) + (items["pending"] ?? 0)
        #expect(entered == accounted, "seed \(seed): entered \(entered) but accounted \(accounted) \(items) \(figures)")
    }
}
