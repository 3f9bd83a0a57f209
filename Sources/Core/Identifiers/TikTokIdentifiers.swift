/// TikTok streaming-audience rules (partners.md §2.4, §2.5): every identifier leaves SHA-256 lower-hex under the
/// `id_schema` names of `POST /segment/mapping/` (`EMAIL_SHA256`, `PHONE_SHA256`, `IDFA_SHA256`).
///
/// Where we differ from Segment's TikTok destination (`seg`, whose §8 vectors hash values "as given"):
/// - Email: trimmed and lower-cased only. seg strips a `+tag` and every dot of the local part for every domain,
///   which partners.md lists as an anti-vector; TikTok's own rule was not found, so no gmail dot/plus removal
///   either [I]: merging `j.doe@gmail.com` into `jdoe@gmail.com` would only help if TikTok did the same.
/// - Phone: E.164 *with* the `+` ("TikTok requires phone number to be formatted in E.164 form, e.g.
///   +1231234567"); seg hashes the digits as given, so its `1234567890` vector is the hash of a string we never
///   produce (we send `+1234567890`).
/// - Mobile id: lower-cased before hashing (standard IDFA/GAID practice [I]); seg hashes it as given.
/// The profile carries one mobile id (its IDFA, else its GAID) without saying which, so it goes as
/// `IDFA_SHA256`, as seg sends every mobile id [S]; TikTok also has `AAID_SHA256`, which we cannot choose
/// without knowing the platform.
public enum TikTokIdentifiers: IdentifierRules {
    /// TikTok.
    public static let partner = PartnerID.tiktok

    /// Email, phone and mobile id, in the `id_schema` order seg and rudder use.
    public static let fields: [IdentifierField] = [.email, .phone, .mobileAdvertiserID]

    /// The `id_schema` name of a field; fields TikTok does not take get a name the API would refuse.
    public static func schemaKey(_ field: IdentifierField) -> String {
        switch field {
        case .email: "EMAIL_SHA256"
        case .phone: "PHONE_SHA256"
        case .mobileAdvertiserID: "IDFA_SHA256"
        default: "UNSUPPORTED_" + field.rawValue.uppercased()
        }
    }

    /// Everything TikTok takes is hashed.
    public static func isHashed(_ field: IdentifierField) -> Bool { true }

    /// The string that is hashed: email trimmed and lower-cased, phone in E.164 with `+`, mobile id lower-cased.
    public static func normalize(_ field: IdentifierField, _ raw: String, country: String?) -> String {
        switch field {
        case .email:
            return Normalize.email(raw)
        case .phone:
            let digits = Normalize.phone(raw, country: country.flatMap(Country.find))
            return digits.isEmpty ? "" : "+" + digits
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
