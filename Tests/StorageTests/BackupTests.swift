import Core
import Foundation
import Storage
import TestSupport
import Testing

/// Online backups and the durability settings (reliability.md ), on real SQLite files.
@Suite struct BackupTests {
    static let batch = 500

    @Test func aBackupTakenWhileWritesGoOnHoldsWholeTransactionsAndRestoresIntoAWorkingStore() throws {
        let folder = ProjectPaths.temporaryDirectory("backup")
        let store = try Store(path: folder + "/live.sqlite")
        let workspace = try store.createUser(workspaceName: "Acme", email: "a@acme.test", passwordHash: StoreTests.hash,
                                             role: .admin, now: Date()).workspaceID
        try Self.addBatch(store, workspace, 0)

        // A writer keeps committing 500-profile transactions while the backup copies the file.
        let writer = Thread { for n in 1...40 { try? Self.addBatch(store, workspace, n) } }
        writer.start()
        let summary = try store.backup(to: folder + "/copy.sqlite")
        while !writer.isFinished { Thread.sleep(forTimeInterval: 0.01) }

        #expect(summary.integrity == "ok")
        #expect(summary.bytes > 0)
        #expect(!FileManager.default.fileExists(atPath: folder + "/copy.sqlite.partial"))
        let restored = try Store(path: summary.path)
        let count = try restored.profileCount(workspaceID: workspace)
        #expect(count >= Self.batch && count <= 41 * Self.batch)
        #expect(count % Self.batch == 0, "the copy holds part of a transaction: \(count) profiles")
        #expect(try restored.integrityCheck() == "ok")
        #expect(try restored.profile(workspaceID: workspace, externalID: "user-0-0") != nil)
        // The restored file is a full database: it takes writes like the original.
        try Self.addBatch(restored, workspace, 99)
        #expect(try restored.profileCount(workspaceID: workspace) == count + Self.batch)
    }

    @Test func aBackupNeverOverwritesAnExistingFile() throws {
        let folder = ProjectPaths.temporaryDirectory("backup")
        let store = try Store(path: folder + "/live.sqlite")
        let earlier = folder + "/earlier.sqlite"
        try Data("an earlier backup".utf8).write(to: URL(fileURLWithPath: earlier))
        do {
            _ = try store.backup(to: earlier)
            Issue.record("the backup overwrote an existing file")
        } catch {
            guard case .conflict(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("already exists"))
        }
        #expect(try String(contentsOfFile: earlier, encoding: .utf8) == "an earlier backup")
    }

    @Test func theAppWritesInWALModeWithFullSynchronousCommits() throws {
        let store = try Store(path: ProjectPaths.temporaryDirectory("backup") + "/live.sqlite")
        let settings = try store.durabilitySettings()
        #expect(settings.journalMode == "wal")
        #expect(settings.synchronous == 2, "an acknowledged commit must survive a power cut (FULL = 2)")
    }

    static func addBatch(_ store: Store, _ workspace: Int64, _ n: Int) throws {
        try store.upsertProfiles(workspaceID: workspace, (0..<batch).map {
            ProfileUpdate(externalID: "user-\(n)-\($0)", attributes: ["email": "\"u\(n)-\($0)@example.com\""])
        }, now: Date())
    }
}
