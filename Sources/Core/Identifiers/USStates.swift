/// US states, the District of Columbia, territories and military "states", for Meta's ST rule: "2-character
/// ANSI abbreviation, lowercase, for US states" (partners.md §1.5).
enum USStates {
    /// The lower-case USPS code for `key` (an `asciiLetters` form: "ca", "california", "newyork"),
    /// or nil when it names no US state.
    static func code(forKey key: String) -> String? {
        if key.count == 2, codes.contains(key) { return key }
        return byName[key]
    }

    private static let codes = Set(names.values)

    private static let byName: [String: String] = {
        var table = [String: String]()
        for (name, code) in names { table[Normalize.asciiLetters(name)] = code }
        return table
    }()

    /// Names (and common variants) to code.
    private static let names: [String: String] = [
        "Alabama": "al", "Alaska": "ak", "Arizona": "az", "Arkansas": "ar", "California": "ca",
        "Colorado": "co", "Connecticut": "ct", "Delaware": "de", "Florida": "fl", "Georgia": "ga",
        "Hawaii": "hi", "Idaho": "id", "Illinois": "il", "Indiana": "in", "Iowa": "ia",
        "Kansas": "ks", "Kentucky": "ky", "Louisiana": "la", "Maine": "me", "Maryland": "md",
        "Massachusetts": "ma", "Michigan": "mi", "Minnesota": "mn", "Mississippi": "ms", "Missouri": "mo",
        "Montana": "mt", "Nebraska": "ne", "Nevada": "nv", "New Hampshire": "nh", "New Jersey": "nj",
        "New Mexico": "nm", "New York": "ny", "North Carolina": "nc", "North Dakota": "nd", "Ohio": "oh",
        "Oklahoma": "ok", "Oregon": "or", "Pennsylvania": "pa", "Rhode Island": "ri", "South Carolina": "sc",
        "South Dakota": "sd", "Tennessee": "tn", "Texas": "tx", "Utah": "ut", "Vermont": "vt",
        "Virginia": "va", "Washington": "wa", "West Virginia": "wv", "Wisconsin": "wi", "Wyoming": "wy",
        "District of Columbia": "dc", "Washington DC": "dc", "Washington D.C.": "dc",
        "American Samoa": "as", "Guam": "gu", "Northern Mariana Islands": "mp", "Puerto Rico": "pr",
        "U.S. Virgin Islands": "vi", "Virgin Islands": "vi", "United States Minor Outlying Islands": "um",
        "Armed Forces Americas": "aa", "Armed Forces Europe": "ae", "Armed Forces Pacific": "ap",
    ]
}
