import Core
import Foundation
import GRDB
import Storage
import TestSupport
import Testing

/// The store on a real SQLite file with the real migrations.
@Suite struct StoreTests {
    let store: Store
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("store") + "/test.sqlite")
    }

    @Test func migratesAFreshFileAndPassesTheIntegrityCheck() throws {
        #expect(try store.appliedMigrations() == ["001-accounts-and-connections", "002-api-keys-and-profiles", "003-canvases-and-steps",
                                                   "004-entries-items-metrics", "005-sync-queue", "006-ledger-and-activity",
                                                   "007-account-call-budget", "008-alerts-and-outbox", "009-step-item-counts", "010-pro-partners", "011-refresh-tokens", "012-segments", "013-segment-exports", "014-profile-imports",
                                                   "015-maintenance-checks", "016-consent-policy", "017-profile-events-and-purchases",
                                                   "018-canvas-entry-action", "019-export-alerts", "020-ids-never-reused", "021-html-emails", "022-segment-sizes",
                                                   "023-step-metric-totals", "024-ledger-cutoff", "025-canvas-entry-figures", "026-sync-chunks", "027-ad-account-facts",
                                                   "028-consent-version"])
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func createsUsersAndWorkspacesOnce() throws {
        let admin = try store.createUser(workspaceName: "Acme", email: "a@acme.test", passwordHash: Self.hash, role: .admin, now: now)
        let member = try store.createUser(workspaceName: "Acme", email: "m@acme.test", passwordHash: Self.hash, role: .member, now: now)
        #expect(admin.workspaceID == member.workspaceID)
        #expect(try store.users(workspaceID: admin.workspaceID).map(\.email) == ["a@acme.test", "m@acme.test"])
        #expect(throws: StoreError.self) {
            try store.createUser(workspaceName: "Acme", email: "a@acme.test", passwordHash: Self.hash, role: .member, now: now)
        }
        // Replacing works only inside the same workspace.
        #expect(throws: StoreError.self) {
            try store.createUser(workspaceName: "Other", email: "a@acme.test", passwordHash: Self.hash, role: .admin, replaceExisting: true, now: now)
        }
        let replaced = try store.createUser(workspaceName: "Acme", email: "a@acme.test", passwordHash: Self.hash + "x", role: .member,
                                            replaceExisting: true, now: now)
        #expect(replaced.id == admin.id && replaced.role == .member)
    }

    /// Another workspace's step named with one of our launched canvases is "not found", exactly like a step that does
    /// not exist — never "the canvas is launched", which would answer differently depending on the canvas's state.
    @Test func stepsOfAnotherCanvasAreNotFoundWhateverTheCanvasState() throws {
        let a = try store.createUser(workspaceName: "A", email: "a@a.test", passwordHash: Self.hash, role: .admin, now: now)
        let b = try store.createUser(workspaceName: "B", email: "b@b.test", passwordHash: Self.hash, role: .admin, now: now)
        let launched = try store.createCanvas(workspaceID: a.workspaceID, name: "A launched", createdBy: a.id, now: now)
        let own = try store.addStep(workspaceID: a.workspaceID, canvasID: launched.id, kind: .delay(seconds: 60))
        try store.setCanvasStatus(workspaceID: a.workspaceID, id: launched.id, status: .active, launchedBy: a.id, now: now)
        let other = try store.createCanvas(workspaceID: b.workspaceID, name: "B draft", createdBy: b.id, now: now)
        let theirs = try store.addStep(workspaceID: b.workspaceID, canvasID: other.id, kind: .delay(seconds: 60))
        for step in [theirs.id, 999_999] {
            for attempt in [{ try store.removeStep(workspaceID: a.workspaceID, canvasID: launched.id, stepID: step) },
                            { try store.moveStep(workspaceID: a.workspaceID, canvasID: launched.id, stepID: step, by: -1) }] {
                do {
                    try attempt()
                    Issue.record("step \(step) was changed through another canvas")
                } catch {
                    guard case .notFound = error as? StoreError else { Issue.record("step \(step): \(error), not notFound"); continue }
                }
            }
        }
        // Our own step of the launched canvas still meets the draft rule.
        do {
            try store.removeStep(workspaceID: a.workspaceID, canvasID: launched.id, stepID: own.id)
            Issue.record("a launched canvas lost a step")
        } catch {
            guard case .conflict = error as? StoreError else { Issue.record("\(error), not conflict"); return }
        }
        #expect(try store.steps(canvasID: other.id).map(\.id) == [theirs.id])
    }

    @Test func schemaRefusesBadRows() throws {
        // Not an argon2id hash, upper-case email: the schema's CHECKs refuse them whatever the caller does.
        #expect(throws: StoreError.self) { try store.createUser(workspaceName: "W", email: "x@y.test", passwordHash: "plain", role: .admin, now: now) }
        #expect(throws: StoreError.self) { try store.createUser(workspaceName: "W", email: "X@y.test", passwordHash: Self.hash, role: .admin, now: now) }
        #expect(try store.workspace(named: "W") == nil)   // nothing half-written
    }

    @Test func sessionsRotateAndEnd() throws {
        let user = try store.createUser(workspaceName: "Acme", email: "a@acme.test", passwordHash: Self.hash, role: .admin, now: now)
        let first = String(repeating: "a", count: 64), second = String(repeating: "b", count: 64)
        try store.startSession(idHash: first, userID: user.id, csrfToken: String(repeating: "c", count: 43), replacing: nil, now: now)
        try store.startSession(idHash: second, userID: user.id, csrfToken: String(repeating: "d", count: 43), replacing: first, now: now)
        #expect(try store.session(idHash: first) == nil)
        #expect(try store.session(idHash: second)?.user == user)
        try store.touchSession(idHash: second, now: now.addingTimeInterval(60))
        #expect(try store.session(idHash: second)?.lastSeenAt == now.addingTimeInterval(60))
        try store.endSession(idHash: second)
        #expect(try store.session(idHash: second) == nil)
    }

    @Test func oauthStatesAreTakenOnce() throws {
        let state = String(repeating: "e", count: 64)
        try store.saveOAuthState(stateHash: state, sessionHash: "session", partner: .facebook, now: now)
        let taken = try store.takeOAuthState(stateHash: state)
        #expect(taken?.sessionHash == "session" && taken?.partner == "facebook" && taken?.createdAt == now)
        #expect(try store.takeOAuthState(stateHash: state) == nil)
    }

    @Test func countsSignInFailuresInTheWindow() throws {
        for offset in [0.0, 10, 20] { try store.recordSignInFailure(account: "a@acme.test", address: "10.0.0.1", now: now.addingTimeInterval(offset)) }
        try store.recordSignInFailure(account: "b@acme.test", address: "10.0.0.1", now: now)
        let counts = try store.signInFailures(account: "a@acme.test", address: "10.0.0.1", since: now.addingTimeInterval(5))
        #expect(counts.account == 2 && counts.address == 2)
        try store.pruneSignInFailures(before: now.addingTimeInterval(5))
        #expect(try store.signInFailures(account: "a@acme.test", address: "10.0.0.1", since: now).account == 2)
    }

    @Test func connectionsKeepTheirAccountsAcrossReconnectsAndStayInTheirWorkspace() throws {
        let a = try store.createUser(workspaceName: "A", email: "a@a.test", passwordHash: Self.hash, role: .admin, now: now)
        let b = try store.createUser(workspaceName: "B", email: "b@b.test", passwordHash: Self.hash, role: .admin, now: now)
        let new = NewConnection(workspaceID: a.workspaceID, partner: .facebook, tokenKind: .oauth, sealedToken: [1, 2, 3],
                                expiresAt: now.addingTimeInterval(86_400), partnerUserName: "Demo User", connectedBy: a.id)
        let connection = try store.saveConnection(new, now: now)
        let accounts = [RemoteAdAccount(externalID: "act_1", name: "One", currency: "USD", isActive: true, termsAccepted: true),
                        RemoteAdAccount(externalID: "act_2", name: "Two", currency: "EUR", isActive: true, termsAccepted: false)]
        try store.selectAdAccounts(connectionID: connection.id, accounts: accounts, now: now)
        try store.recordConnectionHealth(connectionID: connection.id, status: .invalid, message: "expired", expiresAt: nil,
                                         partnerUserName: nil, now: now)
        var renewed = new
        renewed.sealedToken = [9]
        let again = try store.saveConnection(renewed, now: now)
        #expect(again.id == connection.id && again.status == .valid && again.sealedToken == [9])
        #expect(try store.adAccounts(connectionID: connection.id).map(\.externalID) == ["act_1", "act_2"])

        try store.selectAdAccounts(connectionID: connection.id, accounts: [accounts[1]], now: now)
        let kept = try store.adAccounts(connectionID: connection.id)
        #expect(kept.map(\.externalID) == ["act_2"] && kept[0].termsAccepted == false)

        // Another workspace cannot remove it; its own workspace can.
        #expect(throws: StoreError.notFound) { try store.removeAdAccount(workspaceID: b.workspaceID, adAccountID: kept[0].id) }
        try store.recordAdAccountHealth(connectionID: connection.id, reachable: [], now: now)
        #expect(try store.adAccounts(connectionID: connection.id)[0].isAccessible == false)
        try store.removeAdAccount(workspaceID: a.workspaceID, adAccountID: kept[0].id)
        #expect(try store.adAccounts(connectionID: connection.id).isEmpty)

        #expect(throws: StoreError.notFound) { try store.deleteConnection(workspaceID: b.workspaceID, partner: .facebook) }
        try store.deleteConnection(workspaceID: a.workspaceID, partner: .facebook)
        #expect(try store.connection(workspaceID: a.workspaceID, partner: .facebook) == nil)
    }

    @Test func adAccountFactsAreKeptAtSelectionAndReplacedByEachCheck() throws {
        let user = try store.createUser(workspaceName: "A", email: "a@a.test", passwordHash: Self.hash, role: .admin, now: now)
        let connection = try store.saveConnection(NewConnection(workspaceID: user.workspaceID, partner: .tiktok, tokenKind: .oauth, sealedToken: [1],
                                                                expiresAt: nil, partnerUserName: "Demo User", connectedBy: user.id), now: now)
        let disabled = [AccountFacts.tiktokStatus("STATUS_DISABLE")]
        try store.selectAdAccounts(connectionID: connection.id, accounts: [RemoteAdAccount(externalID: "7", name: "Shop", currency: "USD", facts: disabled)],
                                   now: now)
        #expect(try store.adAccounts(connectionID: connection.id).map(\.facts) == [disabled])
        let enabled = [AccountFacts.tiktokStatus("STATUS_ENABLE")]
        try store.recordAdAccountHealth(connectionID: connection.id, reachable: [RemoteAdAccount(externalID: "7", name: "Shop", currency: "USD", facts: enabled)],
                                        now: now)
        #expect(try store.adAccounts(connectionID: connection.id).map(\.facts) == [enabled])
        // The column holds only JSON; facts it cannot read count as none rather than failing the page.
        let raw = try DatabaseQueue(path: store.path)
        #expect(throws: (any Error).self) { try raw.write { try $0.execute(sql: "UPDATE ad_account SET facts = 'not json'") } }
        try raw.write { try $0.execute(sql: #"UPDATE ad_account SET facts = '[{"kind":"mood"}]'"#) }
        #expect(try store.adAccounts(connectionID: connection.id).map(\.facts) == [[]])
    }
}

/// The sync queue's leases and fencing on a real SQLite file.
@Suite struct SyncQueueTests {
    let store: Store
    let step: Int64
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("queue") + "/q.sqlite")
        let user = try store.createUser(workspaceName: "W", email: "a@w.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        let canvas = try store.createCanvas(workspaceID: user.workspaceID, name: "C", createdBy: user.id, now: now)
        step = try store.addStep(workspaceID: user.workspaceID, canvasID: canvas.id, kind: .audienceSync(AudienceSyncConfig(
            partner: .facebook, adAccountID: "act_1", audience: .new(name: "A", externalID: "9"), action: .add, fields: [.email]))).id
        try store.setCanvasStatus(workspaceID: user.workspaceID, id: canvas.id, status: .active, launchedBy: user.id, now: now)
        let outcome = PathOutcome(waitingAt: nil, waitUntil: nil, counts: [], items: [SyncItemDraft(stepID: step, schema: ["EMAIL"], row: ["x"])])
        _ = try store.trigger(workspaceID: user.workspaceID, canvasID: canvas.id,
                              updates: (1...5).map { ProfileUpdate(externalID: "u\($0)", attributes: [:]) },
                              externalIDs: (1...5).map { "u\($0)" }, now: now) { _, _ in outcome }
    }

    @Test func stepTotalsAreTheSumOfEveryHourOfHistory() throws {
        // Users entering in three different hours: the kept totals the canvas page reads equal the hourly rows' sum.
        let (workspaceID, canvasID) = try #require(try store.owner(ofStep: step))
        for (offset, users) in [(0.0, 2), (7200, 3), (90_000, 4)] {
            let ids = (0..<users).map { "t\(offset)-\($0)" }
            let outcome = PathOutcome(counts: [StepCount(stepID: step, metric: .entered), StepCount(stepID: step, metric: .exited)])
            _ = try store.trigger(workspaceID: workspaceID, canvasID: canvasID, updates: ids.map { ProfileUpdate(externalID: $0, attributes: [:]) },
                                  externalIDs: ids, now: now.addingTimeInterval(offset)) { _, _ in outcome }
        }
        let totals = try #require(try store.stepTotals(canvasID: canvasID)[step])
        let hourly = try store.stepSeries(stepID: step, metrics: ["entered", "exited"], start: now.addingTimeInterval(-3600), bucket: 3600, count: 30)
        #expect(totals[.entered] == 9 && totals[.exited] == 9)
        #expect(hourly["entered"]?.reduce(0, +) == 9 && hourly["exited"]?.reduce(0, +) == 9)
    }

    @Test func aSyncedItemIsItsOwnLedgerLineUntilThePruneCutoff() throws {
        let workspaceID = try #require(try store.owner(ofStep: step)).workspaceID
        let items = try store.claim(stepID: step, limit: 5, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        let failed = try #require(items.first { $0.externalID == "u2" }).id
        try store.finish(claimID: "a", outcomes: [(items.map(\.id).filter { $0 != failed }, .synced),
                                                   ([failed], .retry(at: now.addingTimeInterval(60), errorClass: "transient", message: "try later"))],
                         stepID: step, now: now)
        let synced = try store.ledger(workspaceID: workspaceID, externalID: "u1")
        #expect(synced.map(\.outcome) == ["synced"] && synced.first?.fields == ["EMAIL"] && synced.first?.at == now)
        #expect(try store.ledger(workspaceID: workspaceID, externalID: "u2").map(\.outcome) == ["retry"])
        // The hourly prune: the synced line ends at its cutoff, the item (who is in the audience) stays.
        try store.pruneHistory(ledgerBefore: now.addingTimeInterval(1), activityBefore: now)
        #expect(try store.ledger(workspaceID: workspaceID, externalID: "u1").isEmpty)
        #expect(try store.syncItemCounts(stepID: step)["synced"] == 4)
    }

    @Test func aClaimIsExclusiveUntilItsLeaseRunsOut() throws {
        let first = try store.claim(stepID: step, limit: 3, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        #expect(first.count == 3 && first.allSatisfy { $0.attempts == 1 && $0.schema == ["EMAIL"] && $0.row == ["x"] })
        #expect(try store.claim(stepID: step, limit: 10, claimID: "b", leaseUntil: now.addingTimeInterval(90), now: now, policy: nil).count == 2)
        #expect(try store.dueDestinations(now: now).isEmpty)
        // Worker "a" crashed: after its lease, the items are claimed again, with their attempt counted.
        let later = now.addingTimeInterval(31)
        let retaken = try store.claim(stepID: step, limit: 10, claimID: "c", leaseUntil: later.addingTimeInterval(30), now: later, policy: nil)
        #expect(retaken.map(\.id) == first.map(\.id) && retaken.allSatisfy { $0.attempts == 2 })
        // The stale worker's completion is fenced off; the current one counts.
        #expect(try store.finish(claimID: "a", outcomes: [(first.map(\.id), .synced)], stepID: step, now: later) == 0)
        #expect(try store.finish(claimID: "c", outcomes: [(retaken.map(\.id), .synced)], stepID: step, now: later) == 3)
        #expect(try store.syncItemCounts(stepID: step) == ["synced": 3, "pending": 2])
    }

    @Test func retriesWaitAndTheDeadlineEndsThem() throws {
        let items = try store.claim(stepID: step, limit: 5, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        try store.finish(claimID: "a", outcomes: [(items.map(\.id), .retry(at: now.addingTimeInterval(600), errorClass: "transient", message: "HTTP 500"))],
                         stepID: step, now: now)
        #expect(try store.dueDestinations(now: now.addingTimeInterval(599)).isEmpty)
        #expect(try store.dueDestinations(now: now.addingTimeInterval(600)).first?.due == 5)
        #expect(try store.pendingProblems(stepID: step).first?.message == "HTTP 500")
        #expect(try store.expireItems(olderThan: now.addingTimeInterval(1), now: now.addingTimeInterval(13 * 3600 + 2)).values.reduce(0, +) == 5)
        #expect(try store.syncItemCounts(stepID: step) == ["errored": 5])
    }

    @Test func aPerSecondBudgetHoldsUnderConcurrentSendersAndAcrossReopening() async throws {
        let budget = CallBudget(limit: 50, window: 1)
        let start = Date(timeIntervalSince1970: 1_800_000_000.25)
        // 8 senders race for 200 calls within the same instant: exactly the limit get through.
        let granted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<25).filter { _ in (try? store.reserveCall(partner: .tiktok, account: "adv1", budget: budget, now: start)) == true }.count }
            }
            return await group.reduce(0, +)
        }
        #expect(granted == 50)
        // The same file opened again (a restart) still knows: no burst right after it.
        let reopened = try Store(path: store.path)
        #expect(try !reopened.reserveCall(partner: .tiktok, account: "adv1", budget: budget, now: start.addingTimeInterval(0.5)))
        #expect(try reopened.reserveCall(partner: .tiktok, account: "adv2", budget: budget, now: start))   // per ad account
        #expect(try reopened.reserveCall(partner: .tiktok, account: "adv1", budget: budget, now: start.addingTimeInterval(1.01)))
        #expect(try reopened.callsInWindow(partner: .tiktok, account: "adv1", budget: budget, now: start.addingTimeInterval(1.01)) == 1)
    }

    @Test func throttlesSurviveInTheDatabase() throws {
        try store.throttle(partner: .facebook, account: "act_1", until: now.addingTimeInterval(120), reason: "80003")
        #expect(try store.throttledUntil(partner: .facebook, account: "act_1", now: now) == now.addingTimeInterval(120))
        #expect(try store.throttledUntil(partner: .facebook, account: "act_1", now: now.addingTimeInterval(121)) == nil)
        #expect(try store.throttledUntil(partner: .facebook, account: "act_2", now: now) == nil)
    }
}
