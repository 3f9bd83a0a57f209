import Foundation

/// The AES key for partner tokens, in a file outside the database: created once with mode 0600,
/// then only read. Losing it makes stored tokens unreadable (connections must be made again), never leaks them.
enum KeyFile {
    static func loadOrCreate(path: String) throws -> [UInt8] {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            return try decode(text, path: path)
        }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let hex = key.map { String(format: "%02x", $0) }.joined() + "\n"
        // O_EXCL: two processes starting at once cannot both write a different key.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return try decode(try String(contentsOfFile: path, encoding: .utf8), path: path) }
            throw KeyFileError.cannotCreate(path)
        }
        defer { close(fd) }
        guard write(fd, hex, hex.utf8.count) == hex.utf8.count, fsync(fd) == 0 else { throw KeyFileError.cannotCreate(path) }
        return key
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

enum KeyFileError: Error, CustomStringConvertible {
    case cannotCreate(String)
    case malformed(String)
    var description: String {
        switch self {
        case .cannotCreate(let path): "cannot create the key file \(path)"
        case .malformed(let path): "the key file \(path) must hold 64 hex digits"
        }
    }
}
