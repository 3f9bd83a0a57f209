import Foundation
import Testing

/// `audiencesync restore-drill` as an operator schedules it (reliability.md Q-16).
@Suite struct RestoreDrillTests {
    @Test func aGoodBackupPassesWithItsRowCountsAndADamagedOneFails() throws {
        let (folder, environment) = HashCLI.dataFolder("drill-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let none = try HashCLI.run(command: "restore-drill", [], environment: environment)
        #expect(none.status != 0 && none.stderr.contains("take one with `audiencesync backup`"), "\(none.stderr)")

        #expect(try HashCLI.run(command: "migrate", [], environment: environment).status == 0)
        let user = try HashCLI.run(command: "admin", ["create-user", "--workspace", "Drill", "--email", "drill@example.com", "--password-stdin",
                                                      "--role", "admin"], input: "drill password 123\n", environment: environment)
        #expect(user.status == 0, "\(user.stderr)")
        #expect(try HashCLI.run(command: "backup", [], environment: environment).status == 0)
        // A second user after the backup: the live side has one more row than the backup (the recovery point).
        _ = try HashCLI.run(command: "admin", ["create-user", "--workspace", "Drill", "--email", "later@example.com", "--password-stdin"],
                            input: "drill password 456\n", environment: environment)

        let drill = try HashCLI.run(command: "restore-drill", [], environment: environment)
        #expect(drill.status == 0, "\(drill.stderr)")
        #expect(drill.stdout.contains("integrity ok") && drill.stdout.contains("restore drill passed"), "\(drill.stdout)")
        let userRow = try #require(drill.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("dashboard_user ") })
        #expect(userRow.split(separator: " ").suffix(2) == ["1", "2"], "\(userRow)")

        // A backup whose pages were damaged fails the drill, and the live database is untouched.
        let backups = try FileManager.default.contentsOfDirectory(atPath: folder + "/backups").map { folder + "/backups/" + $0 }
        let damaged = folder + "/damaged.sqlite"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try #require(backups.first))))
        for index in stride(from: 4096 * 2, to: min(bytes.count, 4096 * 6), by: 1) { bytes[index] = 0x5A }
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let bad = try HashCLI.run(command: "restore-drill", [damaged], environment: environment)
        #expect(bad.status != 0 && bad.stderr.contains("restore drill failed: \(damaged) cannot be restored"), "\(bad.stderr)")
        #expect(try HashCLI.run(command: "restore-drill", [], environment: environment).status == 0)
    }
}
