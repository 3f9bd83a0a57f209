import Foundation
import Testing

/// `audiencesync backup` as an operator runs it (reliability.md Q-16).
@Suite struct BackupCommandTests {
    @Test func backsUpTheDatabaseAndRefusesToOverwriteOrToBackUpNothing() throws {
        let (folder, environment) = HashCLI.dataFolder("backup-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let nothing = try HashCLI.run(command: "backup", [], environment: environment)
        #expect(nothing.status != 0)
        #expect(nothing.stderr.contains("there is no database at \(folder)/audiencesync.sqlite"), "\(nothing.stderr)")

        #expect(try HashCLI.run(command: "migrate", [], environment: environment).status == 0)
        let named = folder + "/backups/first.sqlite"
        let first = try HashCLI.run(command: "backup", [named], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("backup \(named):"))
        #expect(first.stdout.contains("integrity ok"))
        #expect(FileManager.default.fileExists(atPath: named))

        let again = try HashCLI.run(command: "backup", [named], environment: environment)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"), "\(again.stderr)")

        let dated = try HashCLI.run(command: "backup", [], environment: environment)
        #expect(dated.status == 0, "\(dated.stderr)")
        #expect(dated.stdout.contains("backup \(folder)/backups/audiencesync-"))
    }
}
