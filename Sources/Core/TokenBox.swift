import Crypto
import Foundation

/// Seals partner tokens with AES-256-GCM under a key kept outside the database.
///
/// The sealed form is `0x01 ‖ nonce ‖ ciphertext ‖ tag`; the context (e.g. workspace and partner) is
/// authenticated as associated data, so a ciphertext moved to another row fails to open.
public struct TokenBox: Sendable {
    // Kept as bytes: SymmetricKey is not Sendable; a key is rebuilt per call (cheap next to AES-GCM).
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    private static let version: UInt8 = 1

    /// Creates a box from 32 key bytes.
    public init(keyBytes: [UInt8]) throws(TokenBoxError) {
        guard keyBytes.count == 32 else { throw .badKey }
        self.keyBytes = keyBytes
    }

    /// Encrypts `plaintext` bound to `context`.
    public func seal(_ plaintext: String, context: String) -> [UInt8] {
        // AES.GCM.seal only throws for invalid nonces or keys, and both are constructed valid here.
        let box = try! AES.GCM.seal(Array(plaintext.utf8), using: key, authenticating: Array(context.utf8))
        return [Self.version] + Array(box.combined!)
    }

    /// A secret derived from the key for `purpose` and `input`: base64url (no padding) of HMAC-SHA256, 43 characters.
    /// Used for values that must be unguessable yet need no storage, such as an OAuth flow's PKCE verifier derived
    /// from its `state` (RFC 7636 §4.1 wants 43–128 unreserved characters).
    public func derivedSecret(purpose: String, input: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array((purpose + "\u{0}" + input).utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decrypts a sealed token; fails if it was tampered with, moved to another context, or sealed under another key.
    public func open(_ sealed: [UInt8], context: String) throws(TokenBoxError) -> String {
        guard sealed.first == Self.version, sealed.count > 29 else { throw .corrupt }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst())
            let plain = try AES.GCM.open(box, using: key, authenticating: Array(context.utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw .corrupt
        }
    }
}

/// Why a token could not be sealed or opened. Never carries key or token material.
public enum TokenBoxError: Error, Equatable {
    /// The key is not 32 bytes.
    case badKey
    /// The sealed bytes do not open under this key and context.
    case corrupt
}
