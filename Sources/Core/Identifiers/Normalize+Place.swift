/// State, ZIP and country, partners.md §1.5.
extension Normalize {
    /// A US state's two-letter code, lower-cased, when `country` is the US or unknown and the value is a
    /// US state, district or territory by code or name ("California", "newyork", "N.Y." → "ca", "ny",
    /// "ny"); otherwise like a city: a–z only ("British Columbia" → "britishcolumbia").
    static func state(_ raw: String, country: Country?) -> String {
        let key = asciiLetters(raw)
        if country == nil || country?.alpha2 == "US", let code = USStates.code(forKey: key) { return code }
        return key
    }

    /// The part before "-", lower-cased, letters and digits only ("SW1A 1AA" → "sw1a1aa"). For the US
    /// and US-run territories, or for a country-less value that looks like a US ZIP (5 or 9 digits),
    /// the first five digits of an all-digit value: Meta "US: first 5 digits only" ("90210-1234",
    /// "902101234" → "90210"; rudder's "940351234" is an anti-vector).
    static func zip(_ raw: String, country: Country?) -> String {
        let head = trimmed(raw).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let compact = String(head.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        let allDigits = compact.allSatisfy(\.isNumber)
        let isUS = country.map { Country.usZIPAreas.contains($0.alpha2) } ?? (compact.count == 5 || compact.count == 9)
        // A value with letters is no US ZIP even in a US profile: keep it rather than invent digits.
        return isUS && allDigits ? String(compact.prefix(5)) : compact
    }

    /// Lower-case ISO 3166-1 alpha-2 from a code (alpha-2 or alpha-3) or an English name ("United
    /// States", "U.S.", "USA", "UK" → "us", "us", "us", "gb"); "" when unrecognized, never a non-ISO
    /// value (seg's "unitedstates" is what this avoids).
    static func country(_ raw: String) -> String {
        Country.find(raw)?.alpha2.lowercased() ?? ""
    }
}
