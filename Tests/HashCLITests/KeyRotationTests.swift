import Core
import Foundation
import Storage
import Testing

/// `audiencesync rotate-key` as an operator runs it (reliability.md O-9: the rotation re-encrypts 100 % of the rows).
@Suite struct KeyRotationTests {
    let folder: String
    let environment: [String: String]
    let oldKey = (0..<32).map { UInt8($0 + 100) }
    var keyFile: String { folder + "/secret.key" }

    init() throws {
        (folder, environment) = HashCLI.dataFolder("rotate-key")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data((Self.hex(oldKey) + "\n").utf8).write(to: URL(fileURLWithPath: keyFile))
        // Two workspaces, access and refresh tokens, sealed as the app sealed them before the rotation.
        let store = try Store(path: folder + "/audiencesync.sqlite")
        let box = try TokenBox(keyBytes: oldKey)
        for (index, partner) in [PartnerID.google, .snapchat].enumerated() {
            let user = try store.createUser(workspaceName: "W\(index)", email: "a@w\(index).test",
                                            passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", role: .admin, now: Date())
            _ = try store.saveConnection(NewConnection(
                workspaceID: user.workspaceID, partner: partner, tokenKind: .oauth,
                sealedToken: box.seal("access-\(index)", context: Connection.tokenContext(workspaceID: user.workspaceID, partner: partner)),
                expiresAt: nil, partnerUserName: nil, connectedBy: user.id,
                sealedRefreshToken: box.seal("refresh-\(index)", context: Connection.refreshTokenContext(workspaceID: user.workspaceID, partner: partner))),
                now: Date())
        }
    }

    @Test func resealsEveryValueRetiresTheOldKeyAndPrunesIt() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rotated = try run([])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let newKey = try key(in: keyFile)
        let newID = TokenKeyID(key: newKey)
        #expect(newKey != oldKey)
        #expect(rotated.stdout.contains("re-sealed 4 value(s) under the new key \(newID)"), "\(rotated.stdout)")
        #expect(rotated.stdout.contains("restart the app to seal new tokens under the new key"))
        #expect(rotated.stdout.contains("OAuth connections started in the last 10 minutes"))
        #expect(!FileManager.default.fileExists(atPath: keyFile + ".next"))
        #expect(try String(contentsOfFile: keyFile + ".retired", encoding: .utf8) == Self.hex(oldKey) + "\n")
        #expect(try mode(keyFile + ".retired") == 0o600 && mode(keyFile) == 0o600)

        // 100 %: every value names the new key and opens under it alone, with the right plaintext.
        let opened = try openAll(with: TokenBox(keyBytes: newKey))
        #expect(opened.sorted() == ["access-0", "access-1", "refresh-0", "refresh-1"])
        #expect(try Store(path: folder + "/audiencesync.sqlite").sealedValues().allSatisfy { TokenBox.keyID(of: $0.sealed) == newID })
        #expect(!databaseBytes().contains(oldKey) && !databaseBytes().contains(Array(Self.hex(oldKey).utf8)))
        let verified = try run(["--verify"])
        #expect(verified.status == 0 && verified.stdout.contains("4 of 4 value(s) open"), "\(verified.stdout)")

        // No stored value uses the retired key any more: pruning drops it.
        let pruned = try run(["--prune-retired"])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout.contains("dropped 1 retired key(s); kept 0"), "\(pruned.stdout)")
        #expect(try String(contentsOfFile: keyFile + ".retired", encoding: .utf8).isEmpty)
        #expect(try run(["--verify"]).status == 0)
    }

    /// Killed after the re-seal committed, before the rename: the new key only in `.next`, the old one still current.
    @Test func aCrashAfterTheResealStillOpensEverythingAndResumes() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let newKey = (0..<32).map { UInt8($0 + 1) }
        try Data((Self.hex(newKey) + "\n").utf8).write(to: URL(fileURLWithPath: keyFile + ".next"))
        let store = try Store(path: folder + "/audiencesync.sqlite")
        let box = try TokenBox(keyBytes: newKey, oldKeys: [oldKey])
        #expect(try store.resealTokens { context, sealed in try? box.reseal(sealed, context: context) }.resealed == 4)

        // What the app loads at start (secret.key, retired, next) opens all of it.
        let verified = try run(["--verify"])
        #expect(verified.status == 0 && verified.stdout.contains("4 of 4 value(s) open"), "\(verified.stdout) \(verified.stderr)")
        // …because of the `.next` rule: without it nothing re-sealed would open.
        try FileManager.default.moveItem(atPath: keyFile + ".next", toPath: folder + "/aside")
        #expect(try run(["--verify"]).status != 0)
        try FileManager.default.moveItem(atPath: folder + "/aside", toPath: keyFile + ".next")

        // A new rotation refuses and says how to finish; --resume finishes on the same new key.
        let refused = try run([])
        #expect(refused.status != 0 && refused.stderr.contains("rotate-key --resume"), "\(refused.stderr)")
        let resumed = try run(["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try key(in: keyFile) == newKey)
        #expect(try openAll(with: TokenBox(keyBytes: newKey)).count == 4)
        #expect(try run(["--verify"]).status == 0)
    }

    /// Killed while writing `secret.key.next`: nothing is sealed under it, so start-up ignores it and --resume says to delete it.
    @Test func aHalfWrittenNextKeyIsIgnored() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("0123".utf8).write(to: URL(fileURLWithPath: keyFile + ".next"))
        let verified = try run(["--verify"])
        #expect(verified.status == 0 && verified.stdout.contains("4 of 4 value(s) open"), "\(verified.stdout) \(verified.stderr)")
        let resumed = try run(["--resume"])
        #expect(resumed.status != 0 && resumed.stderr.contains("delete it and rotate again"), "\(resumed.stderr)")
    }

    private func run(_ arguments: [String]) throws -> HashCLI.Result {
        try HashCLI.run(command: "rotate-key", arguments, environment: environment)
    }

    /// Opens every connection's tokens as the app does (Store, then TokenBox with the row's context).
    private func openAll(with box: TokenBox) throws -> [String] {
        let store = try Store(path: folder + "/audiencesync.sqlite")
        return try store.sealedValues().map { try box.open($0.sealed, context: $0.context) }
    }

    /// The database and its WAL, as `strings` would read them.
    private func databaseBytes() -> [UInt8] {
        ["", "-wal"].flatMap { suffix in (try? Array(Data(contentsOf: URL(fileURLWithPath: folder + "/audiencesync.sqlite" + suffix)))) ?? [] }
    }

    private func key(in path: String) throws -> [UInt8] {
        let hex = Array(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? 0) & 0o777
    }

    static func hex(_ key: [UInt8]) -> String { key.map { String(format: "%02x", $0) }.joined() }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs as a contiguous run.
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { start in self[start..<start + needle.count].elementsEqual(needle) }
    }
}
