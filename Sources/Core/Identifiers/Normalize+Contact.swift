import Foundation

/// Email and phone, partners.md §1.5.
extension Normalize {
    /// Trimmed and lower-cased; Meta says "No gmail dot or plus removal", so dots and "+" inside stay.
    /// Dots at either end go with the whitespace, as Meta's own SDK strips them (its vector "..test.."
    /// → "test", partners.md §8); no valid address starts or ends with one.
    static func email(_ raw: String) -> String {
        var value = Substring(trimmed(raw))
        while value.first == "." || value.first?.isWhitespace == true { value.removeFirst() }
        while value.last == "." || value.last?.isWhitespace == true { value.removeLast() }
        return composed(String(value)).lowercased()
    }

    /// Digits only with the country calling code and no "+", as Meta wants PHONE (partners.md §1.5:
    /// "Remove symbols, letters, and any leading zeroes… prefix the country code").
    ///
    /// A number written "+…" or "00…" already carries its code ("+44 20…", "0044 20…" → "4420…").
    /// Otherwise, when `country` is known, its calling code is added unless the number already starts
    /// with it (see `Country.internationalDigits`). Without a country the digits go as written, leading
    /// zeros dropped.
    static func phone(_ raw: String, country: Country?) -> String {
        // "+44 (0)20…": the bracketed trunk zero is for national dialling only.
        let text = trimmed(raw).replacingOccurrences(of: "(0)", with: "")
        let allDigits = digits(text)
        let significant = String(allDigits.drop { $0 == "0" })
        guard !significant.isEmpty else { return "" }   // "+0000000000" must not be hashed
        let written = text.hasPrefix("+") || text.hasPrefix("＋") || allDigits.hasPrefix("00")
        guard !written, let country, !country.callingCode.isEmpty else { return significant }
        return country.internationalDigits(allDigits)
    }
}
