/// Criteo contact-list rules, partners.md §6.4–6.5 (issue "Criteo: email or mobile id"): one `identifierType`
/// per request, `email` or `madid`.
///
/// - Email: trimmed, lower-cased, then SHA-256. Criteo takes plain emails and hashes them itself, and says
///   hashing first "may lower your audience's match rate"; we still always hash, so no plain address ever
///   leaves AudienceSync (the privacy promise of every other partner), and a value already hashed passes through.
/// - Mobile ad id (`madid`): trimmed and lower-cased, sent in clear. partners.md documents hashing for emails
///   only; Criteo matches mobile ids as the devices report them, so a hashed id would match nobody.
///
/// Schema keys are upper-case (`EMAIL`, `MADID`) like every partner's here; the client sends them as Criteo's
/// lower-case `identifierType`.
public enum CriteoIdentifiers: IdentifierRules {
    /// Criteo.
    public static let partner = PartnerID.criteo

    /// Email and mobile ad id.
    public static let fields: [IdentifierField] = [.email, .mobileAdvertiserID]

    /// `EMAIL` or `MADID`; other fields get a key no request ever carries.
    public static func schemaKey(_ field: IdentifierField) -> String {
        switch field {
        case .email: "EMAIL"
        case .mobileAdvertiserID: "MADID"
        default: "UNSUPPORTED_" + field.rawValue.uppercased()
        }
    }

    /// Only the email is hashed.
    public static func isHashed(_ field: IdentifierField) -> Bool { field == .email }

    /// Both trimmed and lower-cased.
    public static func normalize(_ field: IdentifierField, _ raw: String, country: String?) -> String {
        switch field {
        case .email: Normalize.composed(Normalize.trimmed(raw)).lowercased()
        case .mobileAdvertiserID: Normalize.trimmed(raw).lowercased()
        default: ""
        }
    }

    /// One request per `identifierType`.
    public static func requestGroups(_ schema: [String]) -> [[Int]] { onePerKey(schema) }
}
