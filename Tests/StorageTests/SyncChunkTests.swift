import Core
import Foundation
import GRDB
@testable import Storage
import TestSupport
import Testing

/// The sync queue by chunk (migration 026) on a real SQLite file: what a request writes, how a chunk splits when its
/// users' fates differ, what an erasure leaves, and that a queue written before the change carries on.
@Suite struct SyncChunkTests {
    let store: Store
    let workspaceID: Int64
    let canvasID: Int64
    let step: Int64
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("chunks") + "/q.sqlite")
        let user = try store.createUser(workspaceName: "W", email: "a@w.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        let canvas = try store.createCanvas(workspaceID: user.workspaceID, name: "C", createdBy: user.id, now: now)
        step = try store.addStep(workspaceID: user.workspaceID, canvasID: canvas.id, kind: .audienceSync(AudienceSyncConfig(
            partner: .linkedin, adAccountID: "a1", audience: .new(name: "A", externalID: "9"), action: .add, fields: [.email]))).id
        try store.setCanvasStatus(workspaceID: user.workspaceID, id: canvas.id, status: .active, launchedBy: user.id, now: now)
        (workspaceID, canvasID) = (user.workspaceID, canvas.id)
    }

    /// Enters `ids` in one request; each gets the row `["h-<id>"]`.
    func enter(_ ids: [String]) throws {
        _ = try store.trigger(workspaceID: workspaceID, canvasID: canvasID, updates: ids.map { ProfileUpdate(externalID: $0, attributes: [:]) },
                              externalIDs: ids, now: now) { id, _ in
            PathOutcome(waitingAt: nil, waitUntil: nil, counts: [StepCount(stepID: step, metric: .entered)],
                        items: [SyncItemDraft(stepID: step, schema: ["EMAIL"], row: ["h-" + id])])
        }
    }

    func chunks() throws -> [(count: Int, state: String, users: [String?])] {
        try DatabaseQueue(path: store.path).read { db in
            try Row.fetchAll(db, sql: "SELECT count, state, users FROM sync_chunk WHERE step_id = ? ORDER BY id", arguments: [step]).map {
                ($0["count"], $0["state"], JSONText.parseNullableStringArray($0["users"]) ?? [])
            }
        }
    }

    func indexRows() throws -> Int {
        try DatabaseQueue(path: store.path).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chunk_user") ?? 0 }
    }

    @Test func aRequestBecomesChunksOfThePartnersBatchSizeAndAClaimTakesOneWhole() throws {
        // LinkedIn takes 5,000 users a call: 12,000 users in one request are three chunks, not 12,000 rows.
        let ids = (0..<12_000).map { "u\($0)" }
        try enter(ids)
        #expect(try chunks().map(\.count) == [5_000, 5_000, 2_000])
        #expect(try indexRows() == 12_000)
        #expect(try store.dueDestinations(now: now).first?.due == 12_000)
        let claimed = try store.claim(stepID: step, limit: 5_000, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        #expect(claimed.map(\.externalID) == Array(ids[..<5_000]) && claimed.allSatisfy { $0.row == ["h-" + $0.externalID] })
        #expect(try store.finish(claimID: "a", outcomes: [(claimed.map(\.id), .synced)], stepID: step, now: now) == 5_000)
        #expect(try store.syncItemCounts(stepID: step) == ["synced": 5_000, "pending": 7_000])
        #expect(try chunks().map(\.state) == ["synced", "pending", "pending"])
    }

    @Test func smallRequestsFillOneCallAndTheirChunksAreClaimedTogether() throws {
        for request in 0..<4 { try enter((0..<3).map { "r\(request)-\($0)" }) }
        #expect(try chunks().map(\.count) == [3, 3, 3, 3])
        let claimed = try store.claim(stepID: step, limit: 7, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        // Whole chunks only while they fit: two chunks (6 users); the third would pass the limit and waits.
        #expect(claimed.count == 6)
        #expect(try store.claim(stepID: step, limit: 7, claimID: "b", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil).count == 6)
    }

    @Test func aLaterSmallerChunkFillsTheRoomAnOlderBiggerOneWouldPass() throws {
        try enter(["a1", "a2", "a3"])
        try enter(["b1", "b2", "b3", "b4", "b5"])
        try enter(["c1"])
        let first = try store.claim(stepID: step, limit: 5, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        #expect(first.map(\.externalID) == ["a1", "a2", "a3", "c1"])
        // The chunk that waited is the oldest due one now: the next claim takes it.
        #expect(try store.claim(stepID: step, limit: 5, claimID: "b", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
            .map(\.externalID) == ["b1", "b2", "b3", "b4", "b5"])
    }

    @Test func aUserWhoseRowIsRefusedMovesOutAndKeepsTheChunksEarlierAttempts() throws {
        try enter(["u1", "u2", "u3", "u4"])
        let first = try store.claim(stepID: step, limit: 10, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        try store.finish(claimID: "a", outcomes: [(first.map(\.id), .retry(at: now, errorClass: "transient", message: "HTTP 500"))], stepID: step, now: now)
        let later = now.addingTimeInterval(60)
        let second = try store.claim(stepID: step, limit: 10, claimID: "b", leaseUntil: later.addingTimeInterval(30), now: later, policy: nil)
        #expect(second.map(\.externalID) == ["u1", "u2", "u3", "u4"] && second.allSatisfy { $0.attempts == 2 })
        let bad = try #require(second.first { $0.externalID == "u2" }).id
        #expect(try store.finish(claimID: "b", outcomes: [(second.map(\.id).filter { $0 != bad }, .synced),
                                                          ([bad], .errored(errorClass: "invalid_data", message: "bad email"))],
                                 stepID: step, now: later) == 4)
        #expect(try store.syncItemCounts(stepID: step) == ["synced": 3, "errored": 1])
        let after = try chunks()
        #expect(after.map(\.state) == ["synced", "errored"] && after.map(\.count) == [3, 1])
        #expect(after[0].users == ["u1", nil, "u3", "u4"] && after[1].users == ["u2"])
        // Each user's ledger: the failed call they were in, then their own outcome.
        #expect(try store.ledger(workspaceID: workspaceID, externalID: "u2").map(\.outcome) == ["errored", "retry"])
        #expect(try store.ledger(workspaceID: workspaceID, externalID: "u3").map(\.outcome) == ["synced", "retry"])
        #expect(try store.erroredByClass(stepID: step) == ["invalid_data": 1])
        // The one who failed can be retried alone.
        #expect(try store.retryErrored(stepID: step, now: later) == 1)
        #expect(try store.claim(stepID: step, limit: 10, claimID: "c", leaseUntil: later.addingTimeInterval(30), now: later, policy: nil)
            .map(\.externalID) == ["u2"])
    }

    @Test func aClaimedUserGivenNoOutcomeIsReleasedForTheNextClaim() throws {
        try enter(["u1", "u2", "u3"])
        let claimed = try store.claim(stepID: step, limit: 10, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        #expect(try store.finish(claimID: "a", outcomes: [([claimed[0].id], .synced)], stepID: step, now: now) == 1)
        #expect(try store.claim(stepID: step, limit: 10, claimID: "b", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
            .map(\.externalID) == ["u2", "u3"])
        #expect(try store.syncItemCounts(stepID: step) == ["synced": 1, "pending": 2])
    }

    @Test func anErasureTakesAWaitingUserOutAndLeavesOnlyATombstoneOfASentOne() throws {
        try enter(["sent", "other"])
        let claimed = try store.claim(stepID: step, limit: 10, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        try store.finish(claimID: "a", outcomes: [(claimed.map(\.id), .synced)], stepID: step, now: now)
        try enter(["waiting", "stays"])
        #expect(try store.erase(workspaceID: workspaceID, externalIDs: ["sent", "waiting"], now: now) { "erased-" + $0.prefix(1) } == 2)
        let after = try chunks()
        #expect(after.map(\.users) == [["erased-s", "other"], [nil, "stays"]] && after.map(\.count) == [2, 1])
        let text = try DatabaseQueue(path: store.path).read { db in
            try String.fetchAll(db, sql: "SELECT users || rows FROM sync_chunk").joined() + (try String.fetchAll(db, sql: "SELECT external_id FROM chunk_user")).joined()
        }
        #expect(!text.contains("h-sent") && !text.contains("\"sent\"") && !text.contains("waiting"))
        #expect(try store.syncItemCounts(stepID: step) == ["synced": 2, "pending": 1])
        #expect(try store.claim(stepID: step, limit: 10, claimID: "b", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
            .map(\.externalID) == ["stays"])
    }

    @Test func aPersonNamedManyTimesInOneRequestIsErasedFromEverySlotAtOnce() throws {
        try enter(Array(repeating: "twice", count: 3) + ["other"])
        let claimed = try store.claim(stepID: step, limit: 10, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        try store.finish(claimID: "a", outcomes: [(claimed.map(\.id), .synced)], stepID: step, now: now)
        try enter(Array(repeating: "twice", count: 2) + ["stays"])
        #expect(try store.erase(workspaceID: workspaceID, externalIDs: ["twice"], now: now) { _ in "gone" } == 1)
        #expect(try chunks().map(\.users) == [["gone", "gone", "gone", "other"], [nil, nil, "stays"]])
        #expect(try store.syncItemCounts(stepID: step) == ["synced": 4, "pending": 1])
        #expect(try indexRows() == 5)   // three tombstones, "other" and "stays"
    }

    /// An erasure request of many people of the same chunks edits each chunk once, each person under their own
    /// tombstone (it rewrote a 10,000-user chunk once per person: a minute for a 1,000-person request).
    @Test func manyPeopleErasedInOneRequestEditEachChunkOnce() throws {
        let sent = (0..<6).map { "s\($0)" }, waiting = (0..<4).map { "w\($0)" }
        try enter(sent)
        let claimed = try store.claim(stepID: step, limit: 10, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        try store.finish(claimID: "a", outcomes: [(claimed.map(\.id), .synced)], stepID: step, now: now)
        try enter(waiting)
        try DatabaseQueue(path: store.path).write { db in
            try db.execute(sql: """
                CREATE TABLE chunk_write (chunk_id INTEGER);
                CREATE TRIGGER chunk_written AFTER UPDATE OF users ON sync_chunk BEGIN INSERT INTO chunk_write VALUES (new.id); END;
                CREATE TRIGGER chunk_deleted AFTER DELETE ON sync_chunk BEGIN INSERT INTO chunk_write VALUES (old.id); END;
                """)
        }
        let erased = Array(sent.prefix(4)) + waiting
        #expect(try store.erase(workspaceID: workspaceID, externalIDs: erased, now: now) { "t-" + $0 } == 8)
        #expect(try chunks().map(\.users) == [["t-s0", "t-s1", "t-s2", "t-s3", "s4", "s5"]])   // the waiting chunk emptied and went
        let writes = try DatabaseQueue(path: store.path).read { db in try Int64.fetchAll(db, sql: "SELECT chunk_id FROM chunk_write") }
        #expect(writes.count == 2 && Set(writes).count == 2)
        #expect(try store.syncItemCounts(stepID: step) == ["synced": 6])
        #expect(try indexRows() == 6)
    }

    /// Each person erased from a shared chunk leaves with their own row, read once per chunk for the whole request.
    @Test func peopleErasedFromOneChunkEachQueueTheirOwnRowForRemoval() throws {
        try enter(["a", "b", "c", "d"])
        let claimed = try store.claim(stepID: step, limit: 10, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        try store.finish(claimID: "a", outcomes: [(claimed.map(\.id), .synced)], stepID: step, now: now)
        #expect(try store.erase(workspaceID: workspaceID, externalIDs: ["d", "b", "a"], now: now) { "t-" + $0 } == 3)
        let queued = try DatabaseQueue(path: store.path).read { db in
            try Row.fetchAll(db, sql: "SELECT subject, row FROM removal_item ORDER BY subject").map { "\($0["subject"] as String)=\($0["row"] as String)" }
        }
        #expect(queued == [#"t-a=["h-a"]"#, #"t-b=["h-b"]"#, #"t-d=["h-d"]"#])
    }

    @Test func aQueueWrittenBeforeChunksCarriesOn() throws {
        let path = ProjectPaths.temporaryDirectory("migration-026") + "/test.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: "025-canvas-entry-figures")
            try queue.write { db in
                let t = now.unix
                try db.execute(sql: """
                    INSERT INTO workspace (id, name, created_at) VALUES (1, 'W', \(t));
                    INSERT INTO dashboard_user (id, workspace_id, email, password_hash, role, created_at) VALUES (1, 1, 'a@w.test', '\(StoreTests.hash)', 'admin', \(t));
                    INSERT INTO canvas (id, workspace_id, name, entry_criteria, created_by, created_at) VALUES (1, 1, 'C', '{"groups":[]}', 1, \(t));
                    INSERT INTO canvas_step (id, canvas_id, position, kind, partner, ad_account_id, audience_mode, audience_name, fields)
                        VALUES (5, 1, 0, 'audience_sync', 'facebook', 'act_1', 'new', 'A', '["email"]');
                    INSERT INTO sync_item (id, step_id, external_id, schema, row, created_at, state, finished_at) VALUES (1, 5, 'old', '["EMAIL"]', '["h1"]', \(t), 'synced', \(t));
                    INSERT INTO sync_item (id, step_id, external_id, schema, row, created_at, attempts, error_class, last_error)
                        VALUES (2, 5, 'waits', '["EMAIL"]', '["h2"]', \(t), 1, 'transient', 'HTTP 500');
                    INSERT INTO sync_attempt (item_id, step_id, external_id, at, outcome, error_class, message, fields)
                        VALUES (2, 5, 'waits', \(t), 'retry', 'transient', 'HTTP 500', '["EMAIL"]');
                    INSERT INTO step_item_count (step_id, state, count) VALUES (5, 'synced', 1), (5, 'pending', 1);
                    """)
            }
        }
        let migrated = try Store(path: path)
        let claimed = try migrated.claim(stepID: 5, limit: 10, claimID: "a", leaseUntil: now.addingTimeInterval(30), now: now, policy: nil)
        #expect(claimed.map(\.externalID) == ["waits"] && claimed.first?.row == ["h2"] && claimed.first?.attempts == 2)
        #expect(try migrated.ledger(workspaceID: 1, externalID: "waits").map(\.outcome) == ["retry"])
        #expect(try migrated.ledger(workspaceID: 1, externalID: "old").map(\.outcome) == ["synced"])
        #expect(try migrated.finish(claimID: "a", outcomes: [(claimed.map(\.id), .synced)], stepID: 5, now: now) == 1)
        #expect(try migrated.syncItemCounts(stepID: 5) == ["synced": 2])
        #expect(try migrated.integrityCheck() == "ok")
    }
}
