import CArgon2
import Core

/// argon2id password hashing through libargon2 (design.md §3).
///
/// Parameters are OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane (reliability.md A-5).
public struct PasswordHasher: Sendable {
    /// Memory cost in KiB.
    public var memoryKiB: UInt32 = 19 * 1024
    /// Passes over memory.
    public var iterations: UInt32 = 2
    /// Lanes.
    public var parallelism: UInt32 = 1

    /// Creates a hasher with the default parameters.
    public init() {}

    /// The encoded hash (`$argon2id$v=19$m=…`) of `password` with a fresh random salt.
    public func hash(_ password: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let passwordBytes = Array(password.utf8)
        let length = argon2_encodedlen(iterations, memoryKiB, parallelism, UInt32(salt.count), 32, Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let status = argon2id_hash_encoded(iterations, memoryKiB, parallelism, passwordBytes, passwordBytes.count,
                                           salt, salt.count, 32, &encoded, length)
        precondition(status == ARGON2_OK.rawValue, "argon2id failed with status \(status)")
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `encoded`.
    public func verify(_ password: String, against encoded: String) -> Bool {
        let passwordBytes = Array(password.utf8)
        return argon2id_verify(encoded, passwordBytes, passwordBytes.count) == ARGON2_OK.rawValue
    }

    /// Verifies against a throw-away hash, so an unknown account costs the same time as a wrong password.
    public func verifyDummy(_ password: String) {
        _ = verify(password, against: Self.dummyHash)
    }

    private static let dummyHash = PasswordHasher().hash("audiencesync-timing-equalizer")
}
