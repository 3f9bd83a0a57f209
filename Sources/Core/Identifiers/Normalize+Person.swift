/// Names, gender and date of birth, partners.md §1.5.
extension Normalize {
    /// Lower-case letters of any script, without punctuation, digits or spaces ("O'Brien" → "obrien",
    /// "Valéry" → "valéry", "정" → "정"), NFC-composed. Meta: "Only FN and LN support special characters
    /// and non-Roman alphabets"; fb-py-sdk's a–z-only filter contradicts that and is not followed.
    static func name(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        var keptPrevious = false
        for scalar in composed(raw).lowercased().unicodeScalars {
            // A combining mark belongs to the letter before it (Devanagari vowel signs, accents).
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: break
            default: keptPrevious = scalar.properties.isAlphabetic
            }
            if keptPrevious { out.append(scalar) }
        }
        return composed(String(out))
    }

    /// The first letter of the name, as a–z where it has an ASCII form ("Élodie" → "e"; Meta: FI
    /// "a–z"), else the letter itself ("정우" → "정"), so a non-Latin name still has an initial.
    static func initial(_ raw: String) -> String {
        guard let letter = name(raw).first else { return "" }
        let ascii = asciiLetters(String(letter))
        return ascii.isEmpty ? String(letter) : String(ascii.prefix(1))
    }

    /// "m" or "f" from the usual English words; anything else is "" — we do not guess (rudder's
    /// "everything else is m" is lossy, partners.md §1.5).
    static func gender(_ raw: String) -> String {
        switch asciiLetters(raw) {
        case "m", "male", "man", "boy": "m"
        case "f", "female", "woman", "girl": "f"
        default: ""
        }
    }

    /// A four-digit year from 1900 on (Meta DOBY "YYYY (1900 to the current year)"; Core reads no clock,
    /// so the upper bound is not checked), else "".
    static func year(_ raw: String) -> String {
        let value = digits(raw)
        guard value.count == 4, let year = Int(value), year >= 1900 else { return "" }
        return value
    }

    /// "01"–"12" from a number ("4", "04") or an English month name or abbreviation ("january", "Sept"),
    /// else "" (Meta DOBM "MM").
    static func month(_ raw: String) -> String {
        let number = digits(raw)
        if !number.isEmpty { return twoDigits(number, in: 1...12) }
        let word = asciiLetters(raw)
        guard word.count >= 3, let index = monthNames.firstIndex(where: { $0.hasPrefix(word) }) else { return "" }
        return twoDigits(String(index + 1), in: 1...12)
    }

    /// "01"–"31" (Meta DOBD "DD"), else "".
    static func day(_ raw: String) -> String {
        twoDigits(digits(raw), in: 1...31)
    }

    /// The raw year, month and day of a stored date of birth ("1990-04-01", "1990/4/1", "19900401",
    /// "1990-04-01T00:00:00Z"); nil when it does not start with a four-digit year.
    static func dateParts(_ raw: String) -> (year: String, month: String, day: String)? {
        let parts = trimmed(raw).split { !$0.isASCII || !$0.isNumber }.map(String.init)
        if parts.count == 1, parts[0].count == 8 {
            let text = parts[0]
            return (String(text.prefix(4)), String(text.dropFirst(4).prefix(2)), String(text.suffix(2)))
        }
        guard parts.count >= 3, parts[0].count == 4 else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    private static let monthNames = [
        "january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december",
    ]

    private static func twoDigits(_ number: String, in range: ClosedRange<Int>) -> String {
        guard !number.isEmpty, number.count <= 2, let value = Int(number), range.contains(value) else { return "" }
        return value < 10 ? "0\(value)" : "\(value)"
    }
}
