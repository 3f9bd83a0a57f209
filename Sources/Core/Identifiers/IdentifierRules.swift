/// One partner's identifier rules: its schema keys, how it wants each field normalized, and which
/// fields it wants hashed. A partner is one small file conforming to this over the shared `Normalize`
/// helpers; preparing values, rows and uploads is shared here.
public protocol IdentifierRules {
    /// The partner these rules are for.
    static var partner: PartnerID { get }
    /// The fields the partner accepts, in its documented schema order.
    static var fields: [IdentifierField] { get }
    /// The partner's schema key for `field` (for Facebook "EMAIL", "PHONE", "FN", …).
    static func schemaKey(_ field: IdentifierField) -> String
    /// The normalized, not hashed, value of `raw`, or "" when nothing usable remains. `country` is the
    /// profile's country in any common spelling ("US", "USA", "United States"), or nil when unknown.
    static func normalize(_ field: IdentifierField, _ raw: String, country: String?) -> String
    /// Whether the partner wants `field` SHA-256 hashed (some ids, such as mobile ad ids, must not be).
    static func isHashed(_ field: IdentifierField) -> Bool
    /// How one batch laid out as `schema` splits into requests: each group lists schema positions sent together.
    /// Partners that take one identifier type per request (Snapchat, Criteo, Pinterest) answer one group per key;
    /// the default is one request carrying every key.
    static func requestGroups(_ schema: [String]) -> [[Int]]
    /// Columns appended to every row after the chosen fields, whatever the step matches on (Google's consent
    /// signals). They never count as a field to match: a row holding only these is "no field to match".
    static var alwaysSent: [IdentifierField] { get }
    /// Those of ``alwaysSent`` that a row leaves out when its value is empty (Meta reads a missing
    /// `DATA_PROCESSING_OPTIONS` as no options): most rows are smaller to queue, read and send. Rows with and without
    /// such a column go in one call, padded by name (see `SyncEngine.deliver`).
    static var sentOnlyWhenSet: [IdentifierField] { get }
}

extension IdentifierRules {
    /// One request with every key (Facebook, TikTok, LinkedIn).
    public static func requestGroups(_ schema: [String]) -> [[Int]] { [Array(schema.indices)] }

    /// No extra columns (every partner but Google).
    public static var alwaysSent: [IdentifierField] { [] }

    /// Every always-sent column goes with every row (every partner but Facebook).
    public static var sentOnlyWhenSet: [IdentifierField] { [] }

    /// One request per schema key, for partners that take a single identifier type per request.
    public static func onePerKey(_ schema: [String]) -> [[Int]] { schema.indices.map { [$0] } }
}

extension IdentifierRules {
    /// The field whose schema key is `key` (case and surrounding spaces ignored), or nil when the
    /// partner has no such key.
    public static func field(forSchemaKey key: String) -> IdentifierField? {
        let wanted = Normalize.trimmed(key).uppercased()
        return (fields + alwaysSent).first { schemaKey($0) == wanted }
    }

    /// What leaves for `field`: normalized then SHA-256 lower-hex for hashed fields, normalized only for
    /// the others. A hashed field's value that is already 64 hex digits passes through lower-cased, and
    /// a value that normalizes to "" stays "": the empty string is never hashed (partners.md §1.5).
    public static func prepare(_ field: IdentifierField, _ raw: String, country: String?) -> String {
        if isHashed(field), let hash = IdentifierHashing.preHashed(raw) { return hash }
        let value = normalize(field, raw, country: country)
        guard !value.isEmpty else { return "" }
        return isHashed(field) ? IdentifierHashing.sha256Hex(value) : value
    }

    /// One upload row for `fields` from `profile`, "" where a value is missing or unusable. The
    /// profile's country, when recognized, else `defaultCountry`, decides phone calling codes and the
    /// US-only state and ZIP rules.
    ///
    /// A row found in `prepared` (prepared ahead, outside the single writer's transaction) is taken from there.
    public static func row(_ fields: [IdentifierField], from profile: ProfileIdentifiers,
                           defaultCountry: String? = nil, prepared: PreparedValues = PreparedValues()) -> [String] {
        if defaultCountry == nil, let row = prepared.row(partner, fields, for: profile) { return row }
        let country = recognizedCountry(profile.country) ?? defaultCountry
        return fields.map { prepare($0, profile.rawValue(for: $0) ?? "", country: country) }
    }

    /// One upload row from raw `columns` laid out as `fields` (what `audiencesync hash` reads). The
    /// row's own COUNTRY column, when present and recognized, else `defaultCountry`, is the country.
    public static func row(_ fields: [IdentifierField], columns: [String], defaultCountry: String? = nil) -> [String] {
        precondition(fields.count == columns.count, "one column per field")
        let country = fields.firstIndex(of: .country).flatMap { recognizedCountry(columns[$0]) } ?? defaultCountry
        return zip(fields, columns).map { prepare($0, $1, country: country) }
    }

    /// Whether `raw` names a country in any common spelling, whether or not the partner takes a country field
    /// (`audiencesync hash --country` checks its option with this).
    public static func recognizes(country raw: String) -> Bool { recognizedCountry(raw) != nil }

    private static func recognizedCountry(_ raw: String?) -> String? {
        raw.flatMap(Country.find)?.alpha2
    }
}

/// Which partners have identifier rules yet.
public enum IdentifierRulesCatalog {
    /// The rules for `partner`, or nil while that partner has none.
    public static func rules(for partner: PartnerID) -> (any IdentifierRules.Type)? {
        switch partner {
        case .facebook: FacebookIdentifiers.self
        case .google: GoogleIdentifiers.self
        case .tiktok: TikTokIdentifiers.self
        case .pinterest: PinterestIdentifiers.self
        case .snapchat: SnapchatIdentifiers.self
        case .criteo: CriteoIdentifiers.self
        case .linkedin: LinkedInIdentifiers.self
        }
    }

    /// Partners that have rules, in `PartnerID` order.
    public static var supported: [PartnerID] { PartnerID.allCases.filter { rules(for: $0) != nil } }
}
