import Foundation

/// Email and phone, partners.md §1.5.
extension Normalize {
    /// Trimmed and lower-cased; Meta says "No gmail dot or plus removal", so dots and "+" inside stay.
    /// Dots at either end go with the whitespace, as Meta's own SDK strips them (its vector "..test.."
    /// → "test", partners.md §8); no valid address starts or ends with one.
    static func email(_ raw: String) -> String {
        printableASCIIEmail(raw) ?? emailByCharacters(raw)
    }

    /// ``email(_:)`` for printable ASCII, on its bytes: spaces and dots off both ends, then lower case. (ASCII is
    /// already NFC.) Nil for other text. Character by Character this was a quarter of hashing an email.
    static func printableASCIIEmail(_ raw: String) -> String? {
        var raw = raw
        return raw.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy(ASCII.isPrintable) else { return nil }
            let isEnd = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: ".") }
            var start = 0, end = bytes.count
            while start < end, isEnd(bytes[start]) { start += 1 }
            while end > start, isEnd(bytes[end - 1]) { end -= 1 }
            return String(unsafeUninitializedCapacity: end - start) { out in
                for offset in 0..<(end - start) {
                    let byte = bytes[start + offset]
                    out[offset] = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
                }
                return end - start
            }
        }
    }

    /// ``email(_:)`` for any text.
    static func emailByCharacters(_ raw: String) -> String {
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
