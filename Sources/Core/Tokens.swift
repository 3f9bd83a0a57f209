import Crypto
import Foundation

/// High-entropy tokens and digests used for sessions, CSRF, OAuth state and API keys.
public enum SecureToken {
    /// `byteCount` random bytes as URL-safe base64 without padding.
    public static func make<G: RandomNumberGenerator>(byteCount: Int = 32, using generator: inout G) -> String {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(bytes)
    }

    /// `byteCount` bytes from the system's cryptographic generator.
    public static func make(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(byteCount: byteCount, using: &generator)
    }

    /// Lower-case hex SHA-256 of `text`: how sessions, states and API keys are stored.
    public static func digest(_ text: String) -> String { Hex.sha256(text) }

    /// Compares two strings in time that depends only on their lengths.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// URL-safe base64 without padding.
    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Hex encoding.
public enum Hex {
    /// Lower-case hex of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes(encode(raw:))
    }

    /// Lower-case hex of the bytes at `raw`, written straight into the string's storage (a digest is hashed for every
    /// identifier of every user, so no intermediate arrays).
    public static func encode(raw bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digit(byte >> 4)
                out[2 * index + 1] = digit(byte & 15)
            }
            return bytes.count * 2
        }
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256(_ text: String) -> String {
        var text = text
        return text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)).withUnsafeBytes(encode(raw:)) }
    }

    private static func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
}
