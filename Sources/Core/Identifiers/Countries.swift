/// One ISO 3166-1 country with what identifier rules need: codes, names, and phone numbering facts.
/// The rows are in `CountryTable.swift` (generated; see its header).
struct Country: Sendable, Equatable {
    /// ISO 3166-1 alpha-2, upper case ("US").
    let alpha2: String
    /// ISO 3166-1 alpha-3, upper case ("USA").
    let alpha3: String
    /// ITU calling code digits ("1", "44"); "" for the one territory without (BV).
    let callingCode: String
    /// The national trunk prefix dialled before a national number ("0", "1" in the NANP, "8" in
    /// Russia), "" where there is none.
    let trunkPrefix: String
    /// Possible lengths of fixed-line and mobile national numbers (without code or trunk prefix).
    let nationalLengths: [Int]
    /// English names: ISO short name, official name, common name.
    let names: [String]

    init(_ alpha2: String, _ alpha3: String, code: String, trunk: String, lengths: [Int], names: [String]) {
        self.alpha2 = alpha2; self.alpha3 = alpha3; callingCode = code; trunkPrefix = trunk
        nationalLengths = lengths; self.names = names
    }

    /// The country written as `raw`: an alpha-2 or alpha-3 code or an English name, in any case, with
    /// any punctuation or accents ("us", "U.S.A.", "United Kingdom", "UK", "Côte d'Ivoire", "The
    /// Gambia"); nil when unrecognized.
    static func find(_ raw: String) -> Country? {
        let key = Normalize.asciiLetters(raw)
        switch key.count {
        case 0: return nil
        case 2: if let country = byAlpha2[key] { return country }
        case 3: if let country = byAlpha3[key] { return country }
        default: break
        }
        if let country = byName[key] { return country }
        if key.hasPrefix("the"), let country = byName[String(key.dropFirst(3))] { return country }
        if key.hasPrefix("st"), let country = byName["saint" + key.dropFirst(2)] { return country }
        return nil
    }

    /// Countries whose postal codes are US ZIP codes (the US and the territories USPS serves), where
    /// Meta's "US: first 5 digits only" applies.
    static let usZIPAreas: Set<String> = ["US", "PR", "GU", "VI", "AS", "MP", "UM"]

    /// `digits` (a phone number as written, without "+" or "00") in international form for this country,
    /// code first, no "+". The trunk prefix is replaced by the calling code ("020 7946 0958" in GB →
    /// "442079460958"; "8 912…" in RU → "7912…"); a number that already starts with the code and has a
    /// national length after it keeps it ("16505551212" in US). Lengths break ties such as India's
    /// "9123456789", a national number that merely starts with 91.
    func internationalDigits(_ digits: String) -> String {
        // In Italy and a few others the leading 0 is part of the number, not a trunk prefix:
        // "06 1234 5678" is +39 06 1234 5678, so dropping it would give a different number.
        if Self.significantLeadingZero.contains(alpha2), digits.hasPrefix("0") { return callingCode + digits }
        if !trunkPrefix.isEmpty, digits.hasPrefix(trunkPrefix),
           nationalLengths.contains(digits.count - trunkPrefix.count) {
            return callingCode + digits.dropFirst(trunkPrefix.count)
        }
        let significant = String(digits.drop { $0 == "0" })
        return startsWithCallingCode(significant) ? significant : callingCode + significant
    }

    private func startsWithCallingCode(_ number: String) -> Bool {
        guard number.hasPrefix(callingCode) else { return false }
        guard !nationalLengths.isEmpty else { return true }
        return nationalLengths.contains(number.count - callingCode.count) || !nationalLengths.contains(number.count)
    }

    /// Numbering plans whose national numbers begin with a significant 0 (libphonenumber's "Italian
    /// leading zero" regions, as generated in 2026).
    private static let significantLeadingZero: Set<String> = ["BJ", "CG", "CI", "GA", "IT", "SM", "VA"]

    private static let byAlpha2 = Dictionary(uniqueKeysWithValues: all.map { ($0.alpha2.lowercased(), $0) })

    /// Whether `code` is an assigned ISO 3166-1 alpha-2 code, in any letter case (strict: no names or alpha-3).
    public static func isAlpha2(_ code: String) -> Bool { code.count == 2 && byAlpha2[code.lowercased()] != nil }
    private static let byAlpha3 = Dictionary(uniqueKeysWithValues: all.map { ($0.alpha3.lowercased(), $0) })
    private static let byName: [String: Country] = {
        var names = [String: Country]()
        for country in all { for name in country.names { names[Normalize.asciiLetters(name)] = country } }
        for (alias, code) in aliases { names[alias] = byAlpha2[code.lowercased()] }
        return names
    }()

    /// Everyday and local names people type that ISO does not list, as `asciiLetters` keys.
    private static let aliases: [String: String] = [
        "uk": "GB", "greatbritain": "GB", "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
        "northernireland": "GB", "america": "US", "unitedstatesofamerica": "US",
        "southkorea": "KR", "korea": "KR", "republicofkorea": "KR", "russia": "RU", "czechrepublic": "CZ",
        "holland": "NL", "macedonia": "MK", "swaziland": "SZ", "burma": "MM", "capeverde": "CV",
        "vatican": "VA", "vaticancity": "VA", "holysee": "VA", "palestine": "PS", "brunei": "BN",
        "micronesia": "FM", "ivorycoast": "CI", "turkey": "TR", "uae": "AE", "emirates": "AE",
        "drc": "CD", "drcongo": "CD", "democraticrepublicofcongo": "CD", "democraticrepublicofthecongo": "CD",
        "congokinshasa": "CD", "republicofcongo": "CG", "republicofthecongo": "CG", "congobrazzaville": "CG",
        "easttimor": "TL", "macau": "MO", "deutschland": "DE", "espana": "ES", "brasil": "BR", "italia": "IT",
        "nederland": "NL", "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "osterreich": "AT",
        "polska": "PL", "sverige": "SE", "norge": "NO", "danmark": "DK", "suomi": "FI", "belgique": "BE",
        "belgie": "BE", "magyarorszag": "HU", "ceskarepublika": "CZ", "hellas": "GR", "turkiye": "TR",
    ]
}
