import Foundation

/// Text primitives shared by every partner's identifier rules. Pure functions of their input.
enum Normalize {
    /// `text` without leading and trailing whitespace, line breaks and control characters (NUL, …).
    static func trimmed(_ text: String) -> String {
        // Most values start and end with a printable ASCII character, which no grapheme it belongs to can make padding:
        // then there is nothing to trim, and no Character is built.
        if ASCII.hasVisibleEnds(text) { return text }
        guard let first = text.firstIndex(where: { !isPadding($0) }),
              let last = text.lastIndex(where: { !isPadding($0) }) else { return "" }
        return String(text[first...last])
    }

    private static func isPadding(_ character: Character) -> Bool {
        character.isWhitespace || character.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control }
    }

    /// Unicode canonical composition (NFC), so "é" typed as one code point or as "e" plus an accent
    /// gives the same bytes and therefore the same hash.
    static func composed(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping   // ASCII is already NFC
    }

    /// The decimal digits of `text` as ASCII "0"–"9" (other scripts' digits are converted).
    static func digits(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.compactMap(asciiDigit)))
    }

    /// `text` lower-cased with accents removed and a few letters spelled out (ß→ss, æ→ae, ø→o, ł→l…),
    /// keeping only a–z. For fields a partner wants as plain a–z (Facebook CT, ST): "São Paulo" →
    /// "saopaulo"; a name in a non-Latin script has no a–z letters and gives "".
    static func asciiLetters(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        let lower = text.lowercased()
        let decomposed = lower.utf8.allSatisfy { $0 < 0x80 } ? lower : lower.decomposedStringWithCanonicalMapping
        for scalar in decomposed.unicodeScalars {
            if let spelled = spelledOut[scalar] {
                out.append(contentsOf: spelled.unicodeScalars)
            } else if ("a"..."z").contains(scalar) {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Letters with no decomposition into a–z plus accent, spelled as people type them in ASCII.
    private static let spelledOut: [Unicode.Scalar: String] = [
        "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ŧ": "t",
    ]

    private static func asciiDigit(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        guard scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue,
              (0...9).contains(value) else { return nil }
        return Unicode.Scalar(UInt8(48 + Int(value)))
    }
}
