/// SHA-256 as partners want it, and recognition of values that arrive already hashed.
public enum IdentifierHashing {
    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text` (partners.md §1.5: "output lowercase hex").
    public static func sha256Hex(_ text: String) -> String {
        Hex.sha256(text)
    }

    /// `raw` lower-cased when, once trimmed, it is exactly 64 hex digits (an SHA-256 someone already
    /// computed, partners.md §1.5 "Pre-hashed detection"); otherwise nil. See `PreHashed`.
    public static func preHashed(_ raw: String) -> String? { PreHashed.digest(raw) }
}
