import Foundation

/// Turns arbitrary text into safe header content: neutralised line breaks, RFC 2047
/// encoded-words where plain ASCII will not do, and folding.
///
/// Everything a header line contains comes out of `fold`, whose only line breaks are
/// the ones it inserts itself (always followed by a space), so no input can start a new
/// header field.
enum HeaderEncoding {
    /// Longest token written as is. With "Subject: " in front it still fits the 78-character
    /// line RFC 5322 recommends; longer whitespace-free runs are encoded, and encoded-words
    /// can be split anywhere.
    static let maxPlainToken = 66
    /// RFC 5322 §2.1.1 recommends lines of at most 78 characters (998 is the hard limit).
    static let preferredLineLength = 78
    /// UTF-8 bytes per encoded-word: base64 of 39 bytes is 52 characters, plus the 12 of
    /// `=?UTF-8?B?` and `?=`, keeps each word at 64 (RFC 2047 allows 75).
    private static let bytesPerEncodedWord = 39

    /// `text` with every control character (CR and LF above all, also tabs, NUL, C1 controls
    /// and the Unicode line/paragraph separators) replaced by a space, and trimmed.
    /// This is the header-injection guard: nothing that a reader could take for a line
    /// break survives.
    static func sanitized(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let isControl = value < 0x20 || (value >= 0x7F && value <= 0x9F) || value == 0x2028 || value == 0x2029
            scalars.append(isControl ? " " : scalar)
        }
        return String(scalars).trimmingCharacters(in: .whitespaces)
    }

    /// Tokens for unstructured text such as a subject: the text's own words when it is
    /// plain ASCII with short words, encoded-words otherwise. `text` must be sanitized.
    static func unstructuredTokens(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        let words = spaceSeparatedUnits(text)
        if needsEncoding(text) || words.contains(where: { $0.utf8.count > maxPlainToken }) {
            return encodedWords(text)
        }
        return words
    }

    /// Tokens for a display name: one quoted string when that is plain ASCII and short,
    /// encoded-words otherwise. Quoting always (rather than only when specials occur) means
    /// commas, brackets or `@` in a name can never be read as address syntax. `text` must
    /// be sanitized.
    static func phraseTokens(_ text: String) -> [String] {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let quoted = "\"\(escaped)\""
        if needsEncoding(text) || quoted.utf8.count > maxPlainToken {
            return encodedWords(text)
        }
        return [quoted]
    }

    /// `Name: token token…` folded before a token whenever the line would pass 78
    /// characters. Folding only ever inserts CRLF in front of the space that already
    /// separates two tokens, so unfolding gives back the unfolded value exactly.
    static func fold(name: String, tokens: [String]) -> String {
        var result = "\(name):"
        var lineLength = result.utf8.count
        for token in tokens {
            let length = token.utf8.count
            if lineLength > name.utf8.count + 1, lineLength + 1 + length > preferredLineLength {
                result += "\r\n "
                lineLength = 1
            } else {
                result += " "
                lineLength += 1
            }
            result += token
            lineLength += length
        }
        return result
    }

    /// Non-ASCII needs encoding, and so does ASCII that looks like an encoded-word,
    /// which readers would otherwise decode into something the sender never wrote.
    private static func needsEncoding(_ text: String) -> Bool {
        !text.utf8.allSatisfy { $0 < 0x80 } || text.contains("=?")
    }

    /// Splits at single spaces; extra spaces stay at the front of the following unit, so
    /// joining with " " restores the text and a folded line never consists of spaces only.
    private static func spaceSeparatedUnits(_ text: String) -> [String] {
        var units: [String] = []
        var pendingSpaces = ""
        for part in text.split(separator: " ", omittingEmptySubsequences: false) {
            if part.isEmpty {
                pendingSpaces += " "
            } else {
                units.append(pendingSpaces + part)
                pendingSpaces = ""
            }
        }
        return units
    }

    /// RFC 2047 B-encoded words, each holding whole Unicode scalars so every word decodes
    /// on its own. Spaces are encoded inside the words, because readers drop the
    /// whitespace between adjacent encoded-words.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > bytesPerEncodedWord {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }
}
