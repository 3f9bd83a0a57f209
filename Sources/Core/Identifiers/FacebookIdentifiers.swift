/// Facebook (Meta) multi-key customer-list rules, partners.md §1.5 "Official rules": everything is
/// SHA-256 lower-hex except MADID and EXTERN_ID. Where the SDKs and other tools disagree with the
/// official guide (fb-py-sdk hashes MADID and drops accents; rudder keeps ZIP+4 and guesses gender),
/// the guide wins.
///
/// A row of a person who asked for Limited Data Use also carries Meta's flag (`DATA_PROCESSING_OPTIONS`, see
/// ``alwaysSent``): "LDU", which the client sends as `["LDU"]`, and `[]` in a mixed call for the others (partners.md §1.4).
public enum FacebookIdentifiers: IdentifierRules {
    /// Facebook.
    public static let partner = PartnerID.facebook

    /// Every key Facebook's multi-key schema takes, in the order `audiencesync hash` uses by default.
    public static let fields: [IdentifierField] = [
        .email, .phone, .firstName, .lastName, .firstInitial, .city, .state, .zip, .country, .gender,
        .birthYear, .birthMonth, .birthDay, .mobileAdvertiserID, .externalID,
    ]

    /// Limited Data Use goes with every row of a person who asked for it, so they are never uploaded without it.
    public static var alwaysSent: [IdentifierField] { [.dataProcessingOptions] }

    /// A row without Limited Data Use leaves the column out: Meta reads a missing column as no options.
    public static var sentOnlyWhenSet: [IdentifierField] { [.dataProcessingOptions] }

    /// The schema key of the Limited Data Use column.
    public static let dataProcessingOptionsKey = "DATA_PROCESSING_OPTIONS"
    /// The one data processing option Meta knows.
    public static let limitedDataUse = "LDU"

    /// Facebook multi-key schema key for a field ("EMAIL", "PHONE", "FN", … "MADID", "EXTERN_ID").
    public static func schemaKey(_ field: IdentifierField) -> String {
        switch field {
        case .email: "EMAIL"
        case .phone: "PHONE"
        case .firstName: "FN"
        case .lastName: "LN"
        case .firstInitial: "FI"
        case .city: "CT"
        case .state: "ST"
        case .zip: "ZIP"
        case .country: "COUNTRY"
        case .gender: "GEN"
        case .birthYear: "DOBY"
        case .birthMonth: "DOBM"
        case .birthDay: "DOBD"
        case .mobileAdvertiserID: "MADID"
        case .externalID: "EXTERN_ID"
        case .dataProcessingOptions: dataProcessingOptionsKey
        case .adUserDataConsent, .adPersonalizationConsent: ""   // not Facebook keys; never in `fields`
        }
    }

    /// MADID ("do not hash"), EXTERN_ID (not hashed) and the data processing options leave as normalized; all
    /// else is hashed.
    public static func isHashed(_ field: IdentifierField) -> Bool {
        ![.mobileAdvertiserID, .externalID, .dataProcessingOptions].contains(field)
    }

    /// The normalized (not hashed) value, or "" when nothing usable remains. `country` fills a phone's
    /// calling code and decides the US-only state-code and five-digit-ZIP rules.
    public static func normalize(_ field: IdentifierField, _ raw: String, country: String?) -> String {
        switch field {
        case .email: return Normalize.email(raw)
        case .phone: return Normalize.phone(raw, country: country.flatMap(Country.find))
        case .firstName, .lastName: return Normalize.name(raw)   // FN/LN: UTF-8 letters of any script
        case .firstInitial: return Normalize.initial(raw)
        case .city: return Normalize.asciiLetters(raw)            // CT: a–z only
        case .state: return Normalize.state(raw, country: country.flatMap(Country.find))
        case .zip: return Normalize.zip(raw, country: country.flatMap(Country.find))
        case .country: return Normalize.country(raw)
        case .gender: return Normalize.gender(raw)
        case .birthYear: return Normalize.year(raw)
        case .birthMonth: return Normalize.month(raw)
        case .birthDay: return Normalize.day(raw)
        case .mobileAdvertiserID: return Normalize.trimmed(raw).lowercased()   // "lowercase, keep hyphens"
        case .externalID: return Normalize.trimmed(raw)   // "the exact same format every time"
        case .dataProcessingOptions: return asksLimitedDataUse(raw) ? limitedDataUse : ""
        case .adUserDataConsent, .adPersonalizationConsent: return ""   // Facebook takes no consent columns
        }
    }

    /// Whether `raw` asks for Limited Data Use: "LDU" in any case and spacing, alone or in a comma-separated list
    /// (how an array attribute reaches the rules). Anything else, "" included, means no LDU.
    static func asksLimitedDataUse(_ raw: String) -> Bool {
        raw.split(separator: ",").contains { Normalize.trimmed(String($0)).uppercased() == Self.limitedDataUse }
    }
}
