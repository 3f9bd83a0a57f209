import Core
import FastCGI
import Foundation
import Storage
import Sync
import TestSupport
import Testing

/// The full `integrity_check` while the app runs (reliability.md Q-13): once a day (kept in the database, so a
/// restart does not repeat it), its result on `/metrics`, and damage that appears while running is found.
@Suite struct IntegrityCheckTests {
    @Test func theDatabaseIsCheckedOnceADayAcrossRestartsAndTheResultReachesTheMetrics() throws {
        let test = try TestApp()
        let engine = { SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { test.clock.now }) }
        #expect(!test.browser().get("/metrics").text.contains("audiencesync_integrity_check_ok"))   // never ran yet
        let start = test.clock.now
        _ = engine().flush(force: true)
        let first = try #require(try test.store.lastCheck(MaintenanceCheck.integrity))
        #expect(first.result == "ok" && same(first.at, start) && first.seconds >= 0)
        let metrics = test.browser().get("/metrics").text
        #expect(metrics.contains("audiencesync_integrity_check_ok 1"))
        #expect(metrics.contains("audiencesync_integrity_check_timestamp_seconds \(Int(start.timeIntervalSince1970))"))

        test.clock.advance(3600)
        _ = engine().flush(force: true)            // a restarted engine, an hour later: not again
        #expect(same(try test.store.lastCheck(MaintenanceCheck.integrity)?.at, start))
        test.clock.advance(86_400)
        _ = engine().flush(force: true)
        #expect(same(try test.store.lastCheck(MaintenanceCheck.integrity)?.at, start.addingTimeInterval(90_000)))
    }

    @Test func damageThatAppearsWhileRunningIsFoundAndReported() throws {
        let test = try TestApp()
        let workspace = try test.createUser(workspace: "Acme", email: "a@acme.test").workspaceID
        try test.store.upsertProfiles(workspaceID: workspace, (0..<3_000).map {
            ProfileUpdate(externalID: "user-\($0)", attributes: ["email": "\"user\($0)@example.com\""])
        }, now: test.clock.now)
        try test.store.checkpoint()
        // A bad disk writes garbage over the last pages (profile rows and their index) under the running app.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: test.databasePath))
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: UInt64(size - 4096 * 8))
        try handle.write(contentsOf: Data((0..<(4096 * 8)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try handle.close()
        // The app's connections may hold the old pages in their caches; a fresh engine and store, as after a restart
        // that skipped the start-up check, read the file itself.
        let store = try Store(path: test.databasePath)
        _ = SyncEngine(store: store, tokenBox: test.tokenBox, connectors: test.connectors, now: { test.clock.now }).flush(force: true)
        let check = try #require(try store.lastCheck(MaintenanceCheck.integrity))
        #expect(check.result != "ok", "\(check.result)")
        #expect(test.browser().get("/metrics").text.contains("audiencesync_integrity_check_ok 0"))
    }

    /// Dates go through the database as Unix seconds in a double: equal to the microsecond, not to the last bit.
    private func same(_ a: Date?, _ b: Date) -> Bool { a.map { abs($0.timeIntervalSince(b)) < 1e-3 } ?? false }
}
