import Core
import Foundation
import Storage
import TestSupport
import Testing

/// A damaged database file is refused before anything reads or writes it (reliability.md Q-13).
@Suite struct DamagedFileTests {
    @Test func anIntactFilePassesAndADamagedOneIsRefusedNamingTheFile() throws {
        let path = ProjectPaths.temporaryDirectory("damaged") + "/test.sqlite"
        do {
            let store = try Store(path: path)
            let workspace = try store.createUser(workspaceName: "Acme", email: "a@acme.test", passwordHash: StoreTests.hash,
                                                 role: .admin, now: Date()).workspaceID
            try store.upsertProfiles(workspaceID: workspace, (0..<3_000).map {
                ProfileUpdate(externalID: "user-\($0)", attributes: ["email": "\"user\($0)@example.com\""])
            }, now: Date())
            try store.quickCheck()
        }
        // The last connection closed: the WAL is checkpointed into the file, so the garbage below lands on live pages.
        try DamagedFile.overwriteLastPages(of: path, count: 8)

        do {
            let store = try Store(path: path)
            try store.quickCheck()
            Issue.record("a file with 8 garbage pages passed the start-up check")
        } catch {
            #expect(error.description.contains(path))
            #expect(error.description.contains("damaged"))
            #expect(error.description.contains("refusing to start"))
        }
    }
}

/// Writes garbage over whole pages, as a torn write or a bad disk would.
enum DamagedFile {
    static func overwriteLastPages(of path: String, count: Int, pageSize: Int = 4096) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        #expect(size >= pageSize * (count + 2), "the file is too small to damage without touching its header")
        try handle.seek(toOffset: UInt64(size - pageSize * count))
        try handle.write(contentsOf: Data((0..<(pageSize * count)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
    }
}
