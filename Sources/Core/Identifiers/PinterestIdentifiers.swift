/// Pinterest customer-list rules, partners.md §4.4: one `list_type` per request, `EMAIL` or `MAID`.
///
/// Pinterest takes emails plain or hashed but says "Emails must be lowercase", and "MAIDs and IDFAs must be
/// hashed": both go trimmed, lower-cased and SHA-256 lower-hex. A profile's mobile id (IDFA, else GAID) is sent
/// under `MAID`, Pinterest's list type for mobile advertising ids.
public enum PinterestIdentifiers: IdentifierRules {
    /// Pinterest.
    public static let partner = PartnerID.pinterest

    /// Email and mobile ad id (Pinterest has no phone matching).
    public static let fields: [IdentifierField] = [.email, .mobileAdvertiserID]

    /// `EMAIL` or `MAID` (Pinterest's `list_type` values); other fields get a key no request ever carries.
    public static func schemaKey(_ field: IdentifierField) -> String {
        switch field {
        case .email: "EMAIL"
        case .mobileAdvertiserID: "MAID"
        default: "UNSUPPORTED_" + field.rawValue.uppercased()
        }
    }

    /// Both are hashed.
    public static func isHashed(_ field: IdentifierField) -> Bool { fields.contains(field) }

    /// Both trimmed and lower-cased.
    public static func normalize(_ field: IdentifierField, _ raw: String, country: String?) -> String {
        switch field {
        case .email: Normalize.composed(Normalize.trimmed(raw)).lowercased()
        case .mobileAdvertiserID: Normalize.trimmed(raw).lowercased()
        default: ""
        }
    }

    /// One request per `list_type`.
    public static func requestGroups(_ schema: [String]) -> [[Int]] { onePerKey(schema) }
}
