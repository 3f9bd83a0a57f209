import Core
import Foundation

/// The AES keys for partner tokens, in files outside the database, all mode 0600:
///
/// - `secret.key`: the current key (64 hex digits), created once with `O_EXCL`, then only read or replaced by
///   `rotate-key`. New tokens are sealed under it.
/// - `secret.key.retired`: older keys, one per line, appended by `rotate-key`. Tokens sealed under them still open
///   until they are re-sealed; `rotate-key --prune-retired` drops the ones no stored value uses.
/// - `secret.key.next`: the key a rotation is moving to. It exists only while `rotate-key` runs, or after it stopped
///   before renaming it over `secret.key`. **Rule: whenever `secret.key.next` exists, it is loaded as one more
///   old key**, because the database may already be re-sealed under it (the re-seal commits before the rename).
///
/// With that rule a crash at any step of a rotation leaves every token openable. Files are read only at start:
/// a running process does not see a rotation until it restarts.
/// Losing the files makes stored tokens unreadable (connections must be made again), never leaks them.
enum KeyFile {
    /// Where the retired keys of `keyFile` live.
    static func retiredPath(_ keyFile: String) -> String { keyFile + ".retired" }
    /// Where a rotation writes its new key before renaming it over `keyFile`.
    static func nextPath(_ keyFile: String) -> String { keyFile + ".next" }

    /// The box every command that opens tokens uses: the current key (created on first use), sealing; the retired
    /// keys and an unfinished rotation's next key, opening only.
    static func tokenBox(keyFile: String) throws -> TokenBox {
        let current = try loadOrCreate(path: keyFile)
        return try TokenBox(keyBytes: current, oldKeys: try olderKeys(keyFile: keyFile))
    }

    /// The retired keys, then the next key if a rotation is unfinished.
    static func olderKeys(keyFile: String) throws -> [[UInt8]] {
        // An unreadable next key means a rotation died while writing it, before anything was sealed under it: skip it
        // rather than refuse to start.
        try readKeys(retiredPath(keyFile)) + ((try? readKeys(nextPath(keyFile))) ?? [])
    }

    /// The current key, creating the file with a random key when there is none.
    static func loadOrCreate(path: String) throws -> [UInt8] {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            return try decode(text, path: path)
        }
        let key = randomKey()
        // O_EXCL: two processes starting at once cannot both write a different key.
        do {
            try create(path, holding: key)
        } catch KeyFileError.exists {
            return try decode(try String(contentsOfFile: path, encoding: .utf8), path: path)
        }
        return key
    }

    /// 32 bytes from the system's secure generator.
    static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Writes `key` to a new file (mode 0600, `O_EXCL`) and fsyncs it. Throws ``KeyFileError/exists(_:)`` if the file exists.
    static func create(_ path: String, holding key: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw errno == EEXIST ? KeyFileError.exists(path) : KeyFileError.cannotWrite(path) }
        defer { close(fd) }
        try writeAll(fd, hex(key) + "\n", path: path)
    }

    /// Appends `key` to the retired keys (creating the file, mode 0600) and fsyncs it; nothing when it is already there.
    static func retire(_ key: [UInt8], keyFile: String) throws {
        let path = retiredPath(keyFile)
        guard try !readKeys(path).contains(key) else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw KeyFileError.cannotWrite(path) }
        defer { close(fd) }
        try writeAll(fd, hex(key) + "\n", path: path)
        try syncFolder(of: path)
    }

    /// Replaces the retired keys with `keys`: a new file renamed into place, so a crash leaves the old list or the new one.
    static func replaceRetired(with keys: [[UInt8]], keyFile: String) throws {
        let path = retiredPath(keyFile), temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeyFileError.cannotWrite(temporary) }
        defer { close(fd) }
        try writeAll(fd, keys.map { hex($0) + "\n" }.joined(), path: temporary)
        guard rename(temporary, path) == 0 else { throw KeyFileError.cannotWrite(path) }
        try syncFolder(of: path)
    }

    /// Renames `secret.key.next` over `secret.key` and fsyncs the folder, which makes the rename durable.
    static func installNext(keyFile: String) throws {
        guard rename(nextPath(keyFile), keyFile) == 0 else { throw KeyFileError.cannotWrite(keyFile) }
        try syncFolder(of: keyFile)
    }

    /// The keys in `path`, one per line; none when the file does not exist.
    static func readKeys(_ path: String) throws -> [[UInt8]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline)
            .filter { !$0.allSatisfy(\.isWhitespace) }.map { try decode(String($0), path: path) }
    }

    static func hex(_ key: [UInt8]) -> String { key.map { String(format: "%02x", $0) }.joined() }

    private static func writeAll(_ fd: Int32, _ text: String, path: String) throws {
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else { throw KeyFileError.cannotWrite(path) }
    }

    private static func syncFolder(of path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw KeyFileError.cannotWrite(folder) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw KeyFileError.cannotWrite(folder) }
    }

    private static func decode(_ text: String, path: String) throws -> [UInt8] {
        let hex = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard hex.count == 64 else { throw KeyFileError.malformed(path) }
        return try stride(from: 0, to: 64, by: 2).map { index in
            guard let byte = UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16) else { throw KeyFileError.malformed(path) }
            return byte
        }
    }
}

/// Why a key file could not be used. Names the file, never its content.
enum KeyFileError: Error, CustomStringConvertible {
    case cannotWrite(String)
    case exists(String)
    case malformed(String)
    var description: String {
        switch self {
        case .cannotWrite(let path): "cannot write the key file \(path)"
        case .exists(let path): "the key file \(path) already exists"
        case .malformed(let path): "the key file \(path) must hold 64 hex digits per line"
        }
    }
}
