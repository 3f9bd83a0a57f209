import Crypto
import Foundation

/// Seals partner tokens with AES-256-GCM under keys kept outside the database, and opens them under the current
/// key or any older one, so keys can be rotated without losing tokens (reliability.md O-9).
///
/// New values are sealed as `0x02 ‖ key id (4 bytes) ‖ nonce ‖ ciphertext ‖ tag` under the current key; the key id
/// (``TokenKeyID``) says which key to open with and which values a rotation still has to re-seal. Values of the
/// first format, `0x01 ‖ nonce ‖ ciphertext ‖ tag`, carry no key id and open under whichever key works, current first.
/// The context (e.g. workspace and partner) is authenticated as associated data, so a ciphertext moved to another
/// row fails to open. The key id is not authenticated: changing it only makes the value fail to open.
public struct TokenBox: Sendable {
    // Kept as bytes: SymmetricKey is not Sendable; a key is rebuilt per call (cheap next to AES-GCM).
    private let currentKey: [UInt8]
    private let olderKeys: [[UInt8]]
    private static let legacyVersion: UInt8 = 1
    private static let version: UInt8 = 2
    /// Nonce (12) + tag (16): a value shorter than its header plus these cannot be a sealed token.
    private static let boxOverhead = 28

    /// The id of the key new values are sealed under.
    public let currentKeyID: TokenKeyID

    /// Creates a box sealing under `keyBytes` (32 bytes) and opening under it or any of `oldKeys` (retired keys
    /// whose values may not be re-sealed yet).
    public init(keyBytes: [UInt8], oldKeys: [[UInt8]] = []) throws(TokenBoxError) {
        guard keyBytes.count == 32, oldKeys.allSatisfy({ $0.count == 32 }) else { throw .badKey }
        currentKey = keyBytes
        // The current key may also be listed as old (e.g. after an interrupted rotation): keep one copy.
        var seen: Set<[UInt8]> = [keyBytes]
        olderKeys = oldKeys.filter { seen.insert($0).inserted }
        currentKeyID = TokenKeyID(key: keyBytes)
    }

    /// The ids of the older keys this box can still open with.
    public var oldKeyIDs: [TokenKeyID] { olderKeys.map(TokenKeyID.init(key:)) }

    /// Encrypts `plaintext` bound to `context`, under the current key.
    public func seal(_ plaintext: String, context: String) -> [UInt8] {
        // AES.GCM.seal only throws for invalid nonces or keys, and both are constructed valid here.
        let box = try! AES.GCM.seal(Array(plaintext.utf8), using: SymmetricKey(data: currentKey), authenticating: Array(context.utf8))
        return [Self.version] + currentKeyID.bytes + Array(box.combined!)
    }

    /// The id of the key `sealed` was sealed under, read from its header without opening it; `nil` for a value of
    /// the first format (no key id) or bytes that are not a sealed value.
    public static func keyID(of sealed: [UInt8]) -> TokenKeyID? {
        guard sealed.first == version, sealed.count > 5 + boxOverhead else { return nil }
        return TokenKeyID(bytes: Array(sealed[1..<5]))
    }

    /// Decrypts a sealed token of either format; fails if it was tampered with, moved to another context, or sealed
    /// under a key this box does not hold.
    /// - Throws: ``TokenBoxError/unknownKey(_:)`` when the value names a key this box lacks (e.g. a process started
    ///   before a rotation), ``TokenBoxError/corrupt`` otherwise.
    public func open(_ sealed: [UInt8], context: String) throws(TokenBoxError) -> String {
        let aad = Array(context.utf8)
        switch sealed.first {
        case Self.version:
            guard let id = Self.keyID(of: sealed) else { throw .corrupt }
            guard let key = ([currentKey] + olderKeys).first(where: { TokenKeyID(key: $0) == id }) else { throw .unknownKey(id) }
            guard let plain = Self.open(sealed.dropFirst(5), key: key, aad: aad) else { throw .corrupt }
            return plain
        case Self.legacyVersion:
            guard sealed.count > 1 + Self.boxOverhead else { throw .corrupt }
            for key in [currentKey] + olderKeys {
                if let plain = Self.open(sealed.dropFirst(), key: key, aad: aad) { return plain }
            }
            throw .corrupt
        default:
            throw .corrupt
        }
    }

    /// Opens `sealed` and seals its plaintext again under the current key (what a key rotation does to each value).
    public func reseal(_ sealed: [UInt8], context: String) throws(TokenBoxError) -> [UInt8] {
        seal(try open(sealed, context: context), context: context)
    }

    /// A secret derived from the current key for `purpose` and `input`: base64url (no padding) of HMAC-SHA256,
    /// 43 characters. Used for values that must be unguessable yet need no storage, such as an OAuth flow's PKCE
    /// verifier derived from its `state` (RFC 7636 §4.1 wants 43–128 unreserved characters). It changes with the
    /// current key, so a rotation breaks OAuth flows in flight (at most the state's 10 minutes).
    public func derivedSecret(purpose: String, input: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array((purpose + "\u{0}" + input).utf8), using: SymmetricKey(data: currentKey))
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func open(_ combined: ArraySlice<UInt8>, key: [UInt8], aad: [UInt8]) -> String? {
        guard let box = try? AES.GCM.SealedBox(combined: combined),
              let plain = try? AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: aad) else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}

/// Which key sealed a value: the first 4 bytes of the key's SHA-256. It names a key without revealing it.
public struct TokenKeyID: Hashable, Sendable, CustomStringConvertible {
    /// The 4 bytes.
    public let bytes: [UInt8]

    /// The id of `key`.
    public init(key: [UInt8]) {
        bytes = Array(SHA256.hash(data: key).prefix(4))
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Lower-case hex, 8 digits.
    public var description: String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// Why a token could not be sealed or opened. Never carries key or token material.
public enum TokenBoxError: Error, Equatable {
    /// A key is not 32 bytes.
    case badKey
    /// The sealed bytes do not open under this key and context.
    case corrupt
    /// The value was sealed under a key this box does not hold (its id is named; the key is not).
    case unknownKey(TokenKeyID)
}
