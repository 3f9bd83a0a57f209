/// Snapchat customer-list rules, partners.md §5.5 (Segment's snap-audiences, the only source with vectors):
/// every identifier is SHA-256 lower-hex, one schema per request (`EMAIL_SHA256` | `PHONE_SHA256` |
/// `MOBILE_AD_ID_SHA256`). Unlike Meta, Snap wants mobile ad ids hashed too.
public enum SnapchatIdentifiers: IdentifierRules {
    /// Snapchat.
    public static let partner = PartnerID.snapchat

    /// Email, phone and mobile ad id, the three schemas Snap's users endpoint takes.
    public static let fields: [IdentifierField] = [.email, .phone, .mobileAdvertiserID]

    /// Snap's schema name; fields Snap does not take get a key no request ever carries.
    public static func schemaKey(_ field: IdentifierField) -> String {
        switch field {
        case .email: "EMAIL_SHA256"
        case .phone: "PHONE_SHA256"
        case .mobileAdvertiserID: "MOBILE_AD_ID_SHA256"
        default: "UNSUPPORTED_" + field.rawValue.uppercased()
        }
    }

    /// Everything Snap takes is hashed, mobile ad ids included (§5.5 "Snap hashes MAIDs, unlike Meta").
    public static func isHashed(_ field: IdentifierField) -> Bool { fields.contains(field) }

    /// Email trimmed and lower-cased; phone as digits with its calling code and no "+" (the shared phone rule:
    /// "+", "00" and one trunk "0" go, the profile's country adds a missing calling code); mobile ad id trimmed
    /// and lower-cased. The shared phone rule drops every leading zero where Segment drops "00" then one "0":
    /// no number starts with a significant zero after its calling code, so both give the same digits.
    public static func normalize(_ field: IdentifierField, _ raw: String, country: String?) -> String {
        switch field {
        case .email: Normalize.composed(Normalize.trimmed(raw)).lowercased()
        case .phone: Normalize.phone(raw, country: country.flatMap(Country.find))
        case .mobileAdvertiserID: Normalize.trimmed(raw).lowercased()
        default: ""
        }
    }

    /// One request per schema: Snap takes a single schema per users call.
    public static func requestGroups(_ schema: [String]) -> [[Int]] { onePerKey(schema) }
}
