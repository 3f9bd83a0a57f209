import Core
import Testing

/// Tricky inputs per field: spaces, capitals, punctuation, accents, "+"/"00" prefixes, empty,
/// whitespace-only, already hashed. Columns: field, raw, profile country, normalized.
@Suite struct FacebookTrickyInputTests {
    static let cases: [(IdentifierField, String, String?, String)] = [
        // EMAIL: trim (including tabs, NBSP, line breaks), lower-case, nothing else.
        (.email, "\t MARY@EXAMPLE.COM\n", nil, "mary@example.com"),
        (.email, "\u{00A0}mary@example.com\u{00A0}", nil, "mary@example.com"),
        (.email, "first.last+tag@Gmail.com", nil, "first.last+tag@gmail.com"),
        (.email, "ÉMILE@exemple.fr", nil, "émile@exemple.fr"),
        (.email, "", nil, ""),
        (.email, "   ", nil, ""),
        // FN / LN: letters of any script, lower-case; no punctuation, digits or spaces.
        (.firstName, "MARY", nil, "mary"),
        (.firstName, "Mary Jane", nil, "maryjane"),
        (.firstName, "Mary-Jane", nil, "maryjane"),
        (.firstName, "John Smith1", nil, "johnsmith"),
        (.firstName, "Dr. J.R.", nil, "drjr"),
        (.firstName, "Valéry", nil, "valéry"),
        (.firstName, "Vale\u{301}ry", nil, "valéry"),            // decomposed accent composes (NFC)
        (.firstName, "ÉLODIE", nil, "élodie"),
        (.firstName, "Zoë", nil, "zoë"),
        (.lastName, "Müller-Lüdenscheidt", nil, "müllerlüdenscheidt"),
        (.lastName, "김민준", nil, "김민준"),
        (.lastName, "Иванов", nil, "иванов"),
        (.lastName, "O’Neil", nil, "oneil"),                        // typographic apostrophe
        (.lastName, "123", nil, ""),
        (.lastName, " - ", nil, ""),
        // FI: first letter, a–z where possible.
        (.firstInitial, "  john", nil, "j"),
        (.firstInitial, "J.", nil, "j"),
        (.firstInitial, "Élodie", nil, "e"),
        (.firstInitial, "정우", nil, "정"),
        (.firstInitial, "'", nil, ""),
        // CT: a–z only, accents removed, no spaces or punctuation.
        (.city, "  NEW YORK ", nil, "newyork"),
        (.city, "los_angeles", nil, "losangeles"),
        (.city, "São Paulo", nil, "saopaulo"),
        (.city, "Sa\u{303}o Paulo", nil, "saopaulo"),
        (.city, "Saint-Étienne", nil, "saintetienne"),
        (.city, "Düsseldorf", nil, "dusseldorf"),
        (.city, "Łódź", nil, "lodz"),
        (.city, "Gießen", nil, "giessen"),
        (.city, "St. John's", nil, "stjohns"),
        (.city, "東京", nil, ""),                                     // no a–z letters: nothing usable
        // ST: US names and codes to the code when the country is US or unknown; else like a city.
        (.state, "CA", nil, "ca"),
        (.state, " ny ", "US", "ny"),
        (.state, "N.Y.", "US", "ny"),
        (.state, "newyork", nil, "ny"),
        (.state, "new york", "United States", "ny"),
        (.state, "District of Columbia", nil, "dc"),
        (.state, "Puerto Rico", "US", "pr"),
        (.state, "British Columbia", nil, "britishcolumbia"),
        (.state, "Québec", "CA", "quebec"),
        (.state, "Georgia", "GE", "georgia"),                        // not the US: no state code
        (.state, "Nordrhein-Westfalen", "DE", "nordrheinwestfalen"),
        // ZIP: part before "-", no spaces, lower-case; US first five digits.
        (.zip, " 90210 ", nil, "90210"),
        (.zip, "902101234", nil, "90210"),
        (.zip, "90210 1234", "US", "90210"),
        (.zip, "02134", "US", "02134"),
        (.zip, "2134", "US", "2134"),                                 // lost its leading zero: not guessed back
        (.zip, "SW1A 1AA", "US", "sw1a1aa"),                          // letters: not a US ZIP, kept as is
        (.zip, "ec1a 1bb", nil, "ec1a1bb"),
        (.zip, "K1A 0B1", "CA", "k1a0b1"),
        (.zip, "75008", "FR", "75008"),
        (.zip, "100-0001", "JP", "100"),                             // Meta's rule: part before "-"
        (.zip, "-", nil, ""),
        // COUNTRY: ISO alpha-2 lower-case, from codes and names; unknown → "".
        (.country, " us ", nil, "us"),
        (.country, "USA", nil, "us"),
        (.country, "U.S.A.", nil, "us"),
        (.country, "United States of America", nil, "us"),
        (.country, "United Kingdom", nil, "gb"),
        (.country, "UK", nil, "gb"),
        (.country, "GBR", nil, "gb"),
        (.country, "Deutschland", nil, "de"),
        (.country, "Côte d'Ivoire", nil, "ci"),
        (.country, "The Netherlands", nil, "nl"),
        (.country, "South Korea", nil, "kr"),
        (.country, "St. Lucia", nil, "lc"),
        (.country, "Europe", nil, ""),
        (.country, "XX", nil, ""),
        // GEN: m / f from the usual words only.
        (.gender, " M ", nil, "m"),
        (.gender, "Male", nil, "m"),
        (.gender, "MAN", nil, "m"),
        (.gender, "boy", nil, "m"),
        (.gender, "F", nil, "f"),
        (.gender, "Woman", nil, "f"),
        (.gender, "girl", nil, "f"),
        (.gender, "", nil, ""),
        // DOBY / DOBM / DOBD.
        (.birthYear, "1990", nil, "1990"),
        (.birthYear, "90", nil, ""),
        (.birthYear, "1899", nil, ""),
        (.birthMonth, "4", nil, "04"),
        (.birthMonth, " 12 ", nil, "12"),
        (.birthMonth, "13", nil, ""),
        (.birthMonth, "Sept", nil, "09"),
        (.birthMonth, "DECEMBER", nil, "12"),
        (.birthMonth, "ju", nil, ""),                                 // June or July: do not guess
        (.birthDay, "1", nil, "01"),
        (.birthDay, "31", nil, "31"),
        (.birthDay, "32", nil, ""),
        (.birthDay, "0", nil, ""),
        // MADID: trimmed, lower-case, hyphens kept. EXTERN_ID: trimmed only.
        (.mobileAdvertiserID, " AB1234CD-E123-12FG-J123 ", nil, "ab1234cd-e123-12fg-j123"),
        (.externalID, " Customer_42 ", nil, "Customer_42"),
    ]

    @Test(arguments: cases)
    func normalizes(field: IdentifierField, raw: String, country: String?, expected: String) {
        #expect(FacebookIdentifiers.normalize(field, raw, country: country) == expected)
    }

    @Test(arguments: cases)
    func preparesAsHashOfTheNormalizedValue(field: IdentifierField, raw: String, country: String?, expected: String) {
        let out = FacebookIdentifiers.prepare(field, raw, country: country)
        if expected.isEmpty {
            #expect(out == "")
        } else {
            #expect(out == (FacebookIdentifiers.isHashed(field) ? IdentifierHashing.sha256Hex(expected) : expected))
        }
    }

    static let sha = "F1904CF1A9D73A55FA5DE0AC823C4403DED71AFD4C3248D00BDCD0866552BB79"

    @Test(arguments: FacebookIdentifiers.fields.filter(FacebookIdentifiers.isHashed))
    func alreadyHashedPassesThroughLowerCased(field: IdentifierField) {
        #expect(FacebookIdentifiers.prepare(field, "  \(Self.sha) ", country: "US") == Self.sha.lowercased())
    }

    @Test func sixtyThreeOrSixtyFiveHexDigitsAreNotTakenAsHashes() {
        let short = String(Self.sha.dropLast()), long = Self.sha + "0"
        #expect(FacebookIdentifiers.prepare(.email, short, country: nil) == IdentifierHashing.sha256Hex(short.lowercased()))
        #expect(FacebookIdentifiers.prepare(.email, long, country: nil) == IdentifierHashing.sha256Hex(long.lowercased()))
    }

    @Test func composedAndDecomposedAccentsHashTheSame() {
        #expect(FacebookIdentifiers.prepare(.firstName, "Valéry", country: nil)
            == FacebookIdentifiers.prepare(.firstName, "Vale\u{301}ry", country: nil))
    }

    @Test func emptyAndWhitespaceOnlyStayEmptyForEveryField() {
        for field in FacebookIdentifiers.fields {
            for raw in ["", " ", "\t\n", "\u{00A0}"] {
                #expect(FacebookIdentifiers.prepare(field, raw, country: "US") == "", "\(field) \(raw.debugDescription)")
            }
        }
    }
}
