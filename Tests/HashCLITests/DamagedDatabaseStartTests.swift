import Foundation
import Testing

/// `audiencesync serve` refuses a damaged database with an explicit message instead of starting on it.
@Suite struct DamagedDatabaseStartTests {
    @Test func serveRefusesADamagedFileAndSaysWhy() throws {
        let (folder, environment) = HashCLI.dataFolder("damaged-start")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let migrated = try HashCLI.run(command: "migrate", [], environment: environment)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("integrity: ok"))
        let database = folder + "/audiencesync.sqlite"
        let handle = try #require(FileHandle(forUpdatingAtPath: database))
        let size = try handle.seekToEnd()
        // The last pages hold the newest migration's tables: garbage there leaves the schema readable but the file damaged.
        try handle.seek(toOffset: size - 4 * 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4 * 4096))
        try handle.close()

        let served = try HashCLI.run(command: "serve", [], environment: environment)
        #expect(served.status != 0)
        #expect(served.stderr.contains("\(database) is damaged"), "\(served.stderr)")
        #expect(served.stderr.contains("refusing to start"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/run/app.sock"), "serve opened its socket on a damaged file")
    }
}
