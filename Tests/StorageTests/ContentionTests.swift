import Core
import Foundation
import Storage
import TestSupport
import Synchronization
import Testing

/// Write contention on one SQLite file from several `Store`s, as when `audiencesync admin …` or `backup` runs beside
/// `serve` (reliability.md Q-3): each Store has its own writer connection, so their transactions really compete
/// for the file's lock, and only `BEGIN IMMEDIATE` with the busy timeout keeps that from failing.
///
/// 16 writer threads over 4 Stores and 4 readers on a fifth run for `CONTENTION_SECONDS` (6 by default; the
/// checklist's 10 minutes is `CONTENTION_SECONDS=600 swift test --filter ContentionTests`). Pass: not one error
/// (no "database is locked"), every acknowledged profile stored, the WAL under 64 MB, integrity `ok`.
@Suite struct ContentionTests {
    @Test func sixteenWritersAndFourReadersNeverSeeALockedDatabase() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["CONTENTION_SECONDS"] ?? "") ?? 6
        let path = ProjectPaths.temporaryDirectory("contention") + "/test.sqlite"
        let first = try Store(path: path)
        let workspace = try first.createUser(workspaceName: "Busy", email: "busy@contention.test",
                                             passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", role: .admin,
                                             now: Date()).workspaceID
        let writers = try [first] + (1..<4).map { _ in try Store(path: path) }
        let reader = try Store(path: path)
        let deadline = Date().addingTimeInterval(seconds)
        let tally = Tally()
        let budget = CallBudget(limit: 1_000_000, window: 1)

        // Real threads: concurrentPerform and task groups run only as many at once as there are cores.
        runOnThreads(20) { thread in
            if thread >= 16 {       // readers: counts and profile reads, as pages do
                while Date() < deadline {
                    do {
                        _ = try reader.profileCount(workspaceID: workspace)
                        _ = try reader.profile(workspaceID: workspace, externalID: "t\(thread % 16)-0")
                        tally.read()
                    } catch { tally.failed("\(error)") }
                }
                return
            }
            let store = writers[thread % 4]
            var batch = 0
            while Date() < deadline {
                let updates = (0..<20).map { ProfileUpdate(externalID: "t\(thread)-\(batch * 20 + $0)", attributes: ["n": "\(batch)"]) }
                do {
                    try store.track(workspaceID: workspace, updates: updates, now: Date(), autoEnter: { _, _, _ in [] })
                    _ = try store.reserveCall(partner: .tiktok, account: "adv\(thread % 3)", budget: budget, now: Date())
                    tally.wrote(updates.count)
                    batch += 1
                } catch { tally.failed("\(error)") }
            }
        }

        let (acknowledged, reads, failures) = tally.result
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        print("contention: \(seconds) s, 16 writers on 4 stores + 4 readers: \(acknowledged) profiles acknowledged, \(reads) reads, "
              + "\(failures.count) errors, WAL \(wal / 1024) KiB")
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(acknowledged > 0 && reads > 0)
        #expect(try reader.profileCount(workspaceID: workspace) == acknowledged)
        #expect(wal < 64 << 20)
        #expect(try reader.integrityCheck() == "ok")
    }
}

/// Runs `body(0..<count)` each on its own thread and waits for all of them.
private func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread { body(index); group.leave() }
        thread.start()
    }
    group.wait()
}

/// Counters shared by the threads.
private final class Tally: Sendable {
    private let state = Mutex<(profiles: Int, reads: Int, failures: [String])>((0, 0, []))
    func wrote(_ count: Int) { state.withLock { $0.profiles += count } }
    func read() { state.withLock { $0.reads += 1 } }
    func failed(_ error: String) { state.withLock { $0.failures.append(error) } }
    var result: (Int, Int, [String]) { state.withLock { ($0.profiles, $0.reads, $0.failures) } }
}
