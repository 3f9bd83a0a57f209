/// Google Customer Match rules as the Data Manager API takes them (partners.md §3b.3, which wins over the Google
/// Ads API's §3.5 where they differ): email, phone and names SHA-256 lower-hex; region code, postal code and mobile
/// ids in clear. Schema keys are the Data Manager JSON names in upper snake case (`EMAIL_ADDRESS` is
/// `userIdentifiers[].emailAddress`), so a reviewer reading `audiencesync hash` output sees the API's own words.
///
/// Every row also carries the two consent signals (`AD_USER_DATA`, `AD_PERSONALIZATION`, see ``alwaysSent``) as
/// `CONSENT_GRANTED` / `CONSENT_DENIED`, or "" when the profile says nothing (the client then sends
/// `CONSENT_STATUS_UNSPECIFIED`).
public enum GoogleIdentifiers: IdentifierRules {
    /// Google.
    public static let partner = PartnerID.google

    /// Contact keys first (one `userIdentifiers` entry each; the four address parts make one `address`), then the
    /// mobile id, which Data Manager takes as `mobileData` in a request of its own.
    public static let fields: [IdentifierField] = [.email, .phone, .firstName, .lastName, .country, .zip, .mobileAdvertiserID]

    /// Consent goes with every member (partners.md §3b.2: member `consent` overrides the request's).
    public static var alwaysSent: [IdentifierField] { [.adUserDataConsent, .adPersonalizationConsent] }

    /// The schema key of the mobile id, sent in its own request.
    public static let mobileIDKey = "MOBILE_ID"
    /// The schema keys of the consent columns.
    public static let consentKeys = ["AD_USER_DATA", "AD_PERSONALIZATION"]

    /// The Data Manager name of the field, upper snake case.
    public static func schemaKey(_ field: IdentifierField) -> String {
        switch field {
        case .email: "EMAIL_ADDRESS"
        case .phone: "PHONE_NUMBER"
        case .firstName: "GIVEN_NAME"
        case .lastName: "FAMILY_NAME"
        case .country: "REGION_CODE"
        case .zip: "POSTAL_CODE"
        case .mobileAdvertiserID: mobileIDKey
        case .adUserDataConsent: "AD_USER_DATA"
        case .adPersonalizationConsent: "AD_PERSONALIZATION"
        // Not Google Customer Match keys (USER_ID lists are a list type of their own); never in `fields`.
        case .firstInitial: "FIRST_INITIAL"
        case .city: "CITY"
        case .state: "STATE"
        case .gender: "GENDER"
        case .birthYear: "BIRTH_YEAR"
        case .birthMonth: "BIRTH_MONTH"
        case .birthDay: "BIRTH_DAY"
        case .externalID: "EXTERNAL_ID"
        case .dataProcessingOptions: "DATA_PROCESSING_OPTIONS"   // Meta's Limited Data Use; Google never sends it
        }
    }

    /// Email, phone and names are hashed; "Postal codes and country codes must not be hashed", mobile ids are
    /// sent as they are, and consent is an enum value.
    public static func isHashed(_ field: IdentifierField) -> Bool {
        [.email, .phone, .firstName, .lastName].contains(field)
    }

    /// The normalized value, or "" when nothing usable remains. `country` fills a phone's missing calling code
    /// (the vendor utils never add one, partners.md §3b.3: "the caller must") and decides the US ZIP rule.
    public static func normalize(_ field: IdentifierField, _ raw: String, country: String?) -> String {
        let place = country.flatMap(Country.find)
        switch field {
        case .email: return GoogleNormalize.email(raw)
        case .phone: return GoogleNormalize.phone(raw, country: place)
        case .firstName, .lastName: return GoogleNormalize.name(raw)
        case .country: return Country.find(raw)?.alpha2.uppercased() ?? ""
        case .zip: return GoogleNormalize.postalCode(raw, country: place)
        case .mobileAdvertiserID: return Normalize.trimmed(raw)
        case .adUserDataConsent, .adPersonalizationConsent: return GoogleNormalize.consent(raw)
        case .firstInitial, .city, .state, .gender, .birthYear, .birthMonth, .birthDay, .externalID, .dataProcessingOptions: return ""
        }
    }

    /// Data Manager takes one data type per request (`MULTIPLE_DATA_TYPES_NOT_ALLOWED`): contact keys go as
    /// `userData`, the mobile id as `mobileData`, each group with the consent columns.
    public static func requestGroups(_ schema: [String]) -> [[Int]] {
        let consent = schema.indices.filter { consentKeys.contains(schema[$0]) }
        let mobile = schema.indices.filter { schema[$0] == mobileIDKey }
        let contact = schema.indices.filter { !consentKeys.contains(schema[$0]) && schema[$0] != mobileIDKey }
        guard !mobile.isEmpty, !contact.isEmpty else { return [Array(schema.indices)] }
        return [contact + consent, mobile + consent]
    }
}

/// Google's value rules (partners.md §3b.3), apart from the shared `Normalize` helpers they build on.
enum GoogleNormalize {
    /// Whitespace removed everywhere, lower-cased; for gmail.com and googlemail.com every `.` of the local part is
    /// dropped, and so is a `+tag` ("Cloudy.SanFrancisco+shopping@gmail.com" → "cloudysanfrancisco@gmail.com").
    static func email(_ raw: String) -> String {
        let compact = Normalize.composed(String(raw.filter { !$0.isWhitespace })).lowercased()
        guard let at = compact.lastIndex(of: "@") else { return compact }
        let domain = compact[compact.index(after: at)...]
        guard domain == "gmail.com" || domain == "googlemail.com" else { return compact }
        var local = compact[..<at]
        if let plus = local.firstIndex(of: "+") { local = local[..<plus] }
        return local.filter { $0 != "." } + "@" + domain
    }

    /// E.164 with its `+`: the digits Meta's rule gives (calling code added from `country` when the number was
    /// written nationally), prefixed with `+` ("(800)555-0100", US → "+18005550100").
    static func phone(_ raw: String, country: Country?) -> String {
        let digits = Normalize.phone(raw, country: country)
        return digits.isEmpty ? "" : "+" + digits
    }

    /// Honorifics dm-java strips before the name.
    static let prefixes: Set<String> = ["mr", "mrs", "ms", "dr"]
    /// Suffixes dm-java strips after the name.
    static let suffixes: Set<String> = ["jr", "sr", "2nd", "3rd", "ii", "iii", "iv", "v", "vi", "cpa", "dc", "dds", "vm", "jd", "md", "phd"]

    /// Trimmed and lower-cased, without a leading honorific or trailing suffixes (" Mr. Alex " → "alex",
    /// " Quinn, Jr. " → "quinn"), as dm-java does; hyphens and inner spaces stay ("Quinn-Alex" → "quinn-alex").
    /// A name that is nothing but such a word is kept as it is.
    static func name(_ raw: String) -> String {
        var words = Normalize.composed(Normalize.trimmed(raw)).lowercased()
            .split { $0.isWhitespace || $0 == "," }.map(String.init)
        func bare(_ word: String) -> String { word.filter { $0 != "." } }
        if words.count > 1, prefixes.contains(bare(words[0])) { words.removeFirst() }
        while words.count > 1, let last = words.last, suffixes.contains(bare(last)) { words.removeLast() }
        return words.joined(separator: " ")
    }

    /// Trimmed, not hashed. For the US, five digits or ZIP+4 ("902101234" → "90210-1234"); other values as given
    /// ("1229-076"): Google wants no extensions added elsewhere.
    static func postalCode(_ raw: String, country: Country?) -> String {
        let value = Normalize.trimmed(raw)
        guard let country, Country.usZIPAreas.contains(country.alpha2) else { return value }
        let digits = value.filter { $0.isASCII && $0.isNumber }
        let onlyZIPCharacters = value.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "-" || $0 == " " }
        guard onlyZIPCharacters else { return value }
        switch digits.count {
        case 5: return digits
        case 9: return String(digits.prefix(5)) + "-" + String(digits.suffix(4))
        default: return value
        }
    }

    /// `CONSENT_GRANTED` from true / "granted", `CONSENT_DENIED` from false / "denied" (any case, or the API's own
    /// words), "" for anything else: absent or unknown consent goes as `CONSENT_STATUS_UNSPECIFIED`.
    static func consent(_ raw: String) -> String {
        switch Normalize.trimmed(raw).lowercased() {
        case "true", "granted", "consent_granted": "CONSENT_GRANTED"
        case "false", "denied", "consent_denied": "CONSENT_DENIED"
        default: ""
        }
    }
}
