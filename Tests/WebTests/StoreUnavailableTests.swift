import FastCGI
import Foundation
import TestSupport
import Testing

/// When the database cannot take a write (disk full, read-only, I/O error, or another writer holding it past the busy
/// timeout), the ingest API stores nothing and says so: 503, the JSON error envelope, and `Retry-After` (reliability.md
/// Q-14, L-7). Here a second process holds SQLite's write lock longer than the busy timeout.
@Suite struct StoreUnavailableTests {
    @Test func aWriteTheDatabaseCannotTakeIsRefusedWith503JSONAndRetryAfterAndNothingIsStored() throws {
        let test = try TestApp()
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        let track = Request(method: "POST", path: "/api/v1/users/track",
                            headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                            body: Array(#"{"attributes":[{"external_id":"locked-out","email":"l@example.com"}]}"#.utf8))

        let blocker = Process()
        blocker.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        blocker.arguments = [test.databasePath]
        let input = Pipe()
        blocker.standardInput = input
        blocker.standardOutput = FileHandle.nullDevice
        try blocker.run()
        input.fileHandleForWriting.write(Data("BEGIN EXCLUSIVE;\nSELECT 1;\n".utf8))
        Thread.sleep(forTimeInterval: 0.5)
        let refused = test.app.respond(to: track)
        input.fileHandleForWriting.write(Data("ROLLBACK;\n.quit\n".utf8))
        try input.fileHandleForWriting.close()
        blocker.waitUntilExit()

        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "30")
        let body = try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: Any]
        let first = (body?["errors"] as? [[String: Any]])?.first
        #expect(first?["field"] != nil && (first?["message"] as? String)?.contains("nothing from this request was saved") == true)
        #expect(try test.store.profileCount(workspaceID: 1) == 0)

        // The lock is gone: the same request is stored.
        #expect(test.app.respond(to: track).status == 201)
        #expect(try test.store.profileCount(workspaceID: 1) == 1)
    }
}
