/// LinkedIn DMP-segment rules (partners.md §7.4, §7.5): `SHA256_EMAIL` is the SHA-256 lower-hex of the email with
/// every whitespace removed and lower-cased (rudder's rule, which partners.md recommends over seg's hashing "as
/// given"); `GOOGLE_AID` leaves unhashed, trimmed and lower-cased.
///
/// The profile's mobile id is its IDFA when it has one, else its GAID (`ProfileIdentifiers.rawValue`); LinkedIn
/// takes only Google's id, so a profile with both sends its IDFA under `GOOGLE_AID`, which simply does not match.
public enum LinkedInIdentifiers: IdentifierRules {
    /// LinkedIn.
    public static let partner = PartnerID.linkedin

    /// Email and Google advertising id, the two `idType`s a user entry may carry.
    public static let fields: [IdentifierField] = [.email, .mobileAdvertiserID]

    /// LinkedIn's `idType` for a field; fields LinkedIn does not take get a name the API would refuse.
    public static func schemaKey(_ field: IdentifierField) -> String {
        switch field {
        case .email: "SHA256_EMAIL"
        case .mobileAdvertiserID: "GOOGLE_AID"
        default: "UNSUPPORTED_" + field.rawValue.uppercased()
        }
    }

    /// Only the email is hashed; "GOOGLE_AID … sent unhashed" (partners.md §7.4).
    public static func isHashed(_ field: IdentifierField) -> Bool { field == .email }

    /// Email without any whitespace, lower-cased; GAID trimmed and lower-cased.
    public static func normalize(_ field: IdentifierField, _ raw: String, country: String?) -> String {
        switch field {
        case .email:
            let compact = String(String.UnicodeScalarView(raw.unicodeScalars.filter { !$0.properties.isWhitespace }))
            return Normalize.composed(Normalize.trimmed(compact)).lowercased()
        case .mobileAdvertiserID:
            return Normalize.trimmed(raw).lowercased()
        case .country:
            // Not a TikTok/LinkedIn key: answered only so `audiencesync hash --country` can check its value.
            return Normalize.country(raw)
        default:
            return ""
        }
    }
}
