import ArgumentParser
import Core
import Foundation
import Storage

/// `audiencesync rotate-key`: moves every stored token to a new key (reliability.md O-9), in an order that leaves
/// every token openable whichever step a crash interrupts (see ``KeyFile`` for the files and the start-up rule):
///
/// 1. write the new key to `secret.key.next` (0600, `O_EXCL`, fsync);
/// 2. append the current key to `secret.key.retired` (fsync);
/// 3. re-seal every stored value under the new key in one Store transaction;
/// 4. rename `secret.key.next` over `secret.key` and fsync the folder.
struct RotateKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Re-seal every stored partner token under a new key; the old key is retired, not deleted.",
        discussion: """
            Stop the app first: it reads its keys only at start, and a running app could neither open the re-sealed \
            tokens nor keep a refresh it makes meanwhile (the command refuses while the app answers on its socket). \
            OAuth connections started in the 10 minutes before must be started again. --prune-retired, run later \
            (after the app started on the new key), drops retired keys that no stored value uses any more.
            """)
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Finish a rotation that stopped after writing secret.key.next.") var resume = false
    @Flag(help: "Do not rotate: drop retired keys that no stored value uses (run after the app restarted on the new key).")
    var pruneRetired = false
    @Flag(help: "Do not rotate: open every stored value with the keys the app loads at start, and count them per key id.")
    var verify = false

    func validate() throws {
        guard [resume, pruneRetired, verify].filter({ $0 }).count <= 1 else {
            throw ValidationError("--resume, --prune-retired and --verify are separate steps: give one at a time.")
        }
    }

    func run() throws {
        let config = try Settings.load(options)
        let keyFile = config.keyFile
        guard FileManager.default.fileExists(atPath: keyFile) else {
            throw ValidationError("there is no key file \(keyFile): nothing is sealed yet, so there is nothing to rotate")
        }
        guard FileManager.default.fileExists(atPath: config.databasePath) else {
            throw ValidationError("there is no database at \(config.databasePath)")
        }
        let store = try Store(path: config.databasePath, busyTimeout: Store.toolBusyTimeout)
        if pruneRetired { return try prune(store: store, keyFile: keyFile) }
        if verify { return try check(store: store, keyFile: keyFile) }
        if Self.answers(socket: config.appSocket) {
            throw ValidationError("the app is running (it answers on \(config.appSocket)): stop it, rotate, then start it again — "
                                  + "it reads its keys only at start")
        }
        let current = try KeyFile.loadOrCreate(path: keyFile)
        let next = try startOrResume(keyFile: keyFile)
        // Step 2 before step 3: once values are re-sealed, the old key must already be where start-up looks for it.
        try KeyFile.retire(current, keyFile: keyFile)
        // The box opens under every key we know (current, retired, next) and seals under the next one.
        let box = try TokenBox(keyBytes: next, oldKeys: [current] + KeyFile.olderKeys(keyFile: keyFile))
        let summary = try store.resealTokens { context, sealed in try? box.reseal(sealed, context: context) }
        try KeyFile.installNext(keyFile: keyFile)
        print("re-sealed \(summary.resealed) value(s) under the new key \(box.currentKeyID)")
        if summary.leftAsIs > 0 {
            print("left \(summary.leftAsIs) value(s) as they were: they open under no known key (reconnect those partners)")
        }
        print("retired the old key \(TokenKeyID(key: current)) to \(KeyFile.retiredPath(keyFile)): tokens sealed under it still open")
        print("restart the app to seal new tokens under the new key (until then it cannot open the re-sealed ones; sends wait and retry)")
        print("OAuth connections started in the last 10 minutes must be started again after the restart")
    }

    /// Step 1, or the key of an unfinished rotation when `--resume` is given.
    private func startOrResume(keyFile: String) throws -> [UInt8] {
        let nextPath = KeyFile.nextPath(keyFile)
        if resume {
            guard FileManager.default.fileExists(atPath: nextPath) else { throw ValidationError("there is no \(nextPath): no rotation to resume") }
            guard let next = (try? KeyFile.readKeys(nextPath))?.first else {
                // Step 1 did not complete, so nothing was sealed under it.
                throw ValidationError("\(nextPath) holds no complete key: the rotation stopped while writing it; delete it and rotate again")
            }
            return next
        }
        let next = KeyFile.randomKey()
        do {
            try KeyFile.create(nextPath, holding: next)
        } catch KeyFileError.exists {
            throw ValidationError("""
                \(nextPath) exists: an earlier rotation did not finish (every token still opens: the app loads that file \
                as an old key). Finish it with `audiencesync rotate-key --resume`. Deleting the file instead is safe \
                only when no stored value uses its key.
                """)
        }
        return next
    }

    /// `--prune-retired`: keeps only the retired keys some stored value still uses.
    private func prune(store: Store, keyFile: String) throws {
        guard !FileManager.default.fileExists(atPath: KeyFile.nextPath(keyFile)) else {
            throw ValidationError("a rotation is unfinished: run `audiencesync rotate-key --resume` first")
        }
        let retired = try KeyFile.readKeys(KeyFile.retiredPath(keyFile))
        let values = try store.sealedValues()
        let inUse = Set(values.compactMap { TokenBox.keyID(of: $0.sealed) })
        let kept = try retired.filter { key in
            // A value of the first format names no key: the key is in use if it opens one.
            let single = try TokenBox(keyBytes: key)
            return inUse.contains(TokenKeyID(key: key))
                || values.contains { TokenBox.keyID(of: $0.sealed) == nil && (try? single.open($0.sealed, context: $0.context)) != nil }
        }
        try KeyFile.replaceRetired(with: kept, keyFile: keyFile)
        print("dropped \(retired.count - kept.count) retired key(s); kept \(kept.count) still used by stored values")
        if retired.count > kept.count { print("tokens in older backups that were sealed under the dropped keys can no longer be opened") }
    }

    /// `--verify`: what the app would manage at start. Exit code 1 when a value does not open.
    private func check(store: Store, keyFile: String) throws {
        let box = try KeyFile.tokenBox(keyFile: keyFile)
        let values = try store.sealedValues()
        var perKey: [String: Int] = [:]
        var unreadable = 0
        for value in values {
            if (try? box.open(value.sealed, context: value.context)) == nil { unreadable += 1; continue }
            perKey[TokenBox.keyID(of: value.sealed)?.description ?? "none (first format)", default: 0] += 1
        }
        let counts = perKey.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        print("\(values.count - unreadable) of \(values.count) value(s) open (current key \(box.currentKeyID); per key id: \(counts))")
        if unreadable > 0 {
            print("\(unreadable) value(s) open under no known key")
            throw ExitCode.failure
        }
    }
}

extension RotateKey {
    /// Whether something accepts connections on the unix socket at `path` (a stale socket file left by a crash does not).
    static func answers(socket path: String) -> Bool {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }
}
