import Foundation

/// The spellings people really send for standard attributes with a fixed vocabulary, and the canonical form
/// stored for each. Pure tables: `/users/track`, CSV import and trigger recipients all read values through here,
/// so "male", "Male" and "m" are one gender and "U.S.", "USA" and "United States" one country everywhere.
public enum StandardValues {
    /// Braze's gender codes: male, female, other, not applicable, prefer not to say, unknown.
    public static let genderCodes: Set<String> = ["M", "F", "O", "N", "P", "U"]

    /// The Braze gender code `raw` stands for, or nil. Case, spaces and punctuation do not matter ("Male", "m",
    /// "woman", "non-binary", "N/A", "prefer not to say").
    public static func gender(_ raw: String) -> String? {
        let key = Normalize.asciiLetters(raw)
        if key.count == 1, genderCodes.contains(key.uppercased()) { return key.uppercased() }
        return genderSpellings[key]
    }

    /// Words for each gender code, as `Normalize.asciiLetters` keys (lower-case a–z only). English first, then the
    /// common words of the languages customers' forms are most often in (German, French, Spanish, Italian,
    /// Portuguese, Dutch).
    private static let genderSpellings: [String: String] = {
        let words: [String: [String]] = [
            "M": ["male", "man", "men", "boy", "masculine", "mr", "mann", "mannlich", "herr", "homme", "masculin",
                  "hombre", "masculino", "maschio", "uomo", "homem", "jongen"],
            "F": ["female", "woman", "women", "girl", "feminine", "mrs", "ms", "miss", "frau", "weiblich", "femme", "feminin",
                  "mujer", "femenino", "femmina", "donna", "mulher", "vrouw", "vrouwelijk", "meisje"],
            "O": ["other", "nonbinary", "nb", "enby", "genderqueer", "genderfluid", "agender", "divers", "diverse", "x",
                  "autre", "otro", "otra", "altro", "outro"],
            "N": ["notapplicable", "na", "none", "nichtzutreffend"],
            "P": ["prefernottosay", "prefernottoanswer", "prefernottodisclose", "rathernotsay", "undisclosed", "declined",
                  "declinedtoanswer", "withheld", "private"],
            "U": ["unknown", "unspecified", "notspecified", "notknown", "unbekannt", "inconnu", "desconocido"],
        ]
        var table: [String: String] = [:]
        for (code, list) in words { for word in list { table[word] = code } }
        return table
    }()

    /// The ISO 3166-1 alpha-2 code `raw` names, or nil: a two- or three-letter code or a country's name in English
    /// or its common local or everyday form ("U.S.", "usa", "United States of America", "England", "Deutschland"),
    /// in any case, with any punctuation or accents. The same table the partner identifier rules read
    /// (`Country.find`), so what is stored is what `audiencesync hash` would send.
    public static func country(_ raw: String) -> String? { Country.find(raw)?.alpha2 }

    /// `true`/`false` for a yes/no answer — JSON true/false, the numbers 1 and 0, and words such as "yes", "no",
    /// "granted" or "denied" in any case — or nil. Read by `ConsentAnswer`, the consent policy's own reader: a flag
    /// sent as "denied" must be stored as false, since a dropped opt-out would leave the user looking as if they never
    /// said no, and what ingest stores and what the policy reads must be one vocabulary.
    public static func bool(_ value: JSONValue) -> Bool? { ConsentAnswer.read(value.profileValue) }
}
