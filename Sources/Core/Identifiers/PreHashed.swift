/// Recognizes values that arrive already SHA-256 hashed (partners.md §1.5 "Pre-hashed detection"). Apart from
/// `IdentifierHashing` because it needs no crypto: profile validation uses it too, and the CSV fuzz target
/// (scripts/fuzz-parsers.sh) compiles that validation without the Crypto package.
enum PreHashed {
    /// `raw` lower-cased when, once trimmed, it is exactly 64 hex digits; otherwise nil.
    static func digest(_ raw: String) -> String? {
        let value = Normalize.trimmed(raw)
        guard value.utf8.count == 64, value.utf8.allSatisfy(isHexDigit) else { return nil }
        return value.lowercased()
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
    }
}
