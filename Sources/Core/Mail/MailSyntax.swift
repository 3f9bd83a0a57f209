/// The few RFC 5321/5322 grammar rules the mail types share. Everything works on UTF-8
/// bytes, so a non-ASCII character can never slip through a character-class test.
enum MailSyntax {
    /// RFC 5322 `atext`: letters, digits and these symbols.
    private static let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~".utf8)

    static func isAtext(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || atextSymbols.contains(byte)
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    /// RFC 5322 `dot-atom-text`: atext runs joined by single dots, no dot at either end.
    static func isDotAtom(_ text: Substring) -> Bool {
        let atoms = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !text.isEmpty && atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy(isAtext) }
    }

    /// An ASCII host name (RFC 1035 labels): letters, digits and inner hyphens, 1–63 per
    /// label. Internationalised domains must arrive already converted to punycode, because
    /// without SMTPUTF8 nothing else can go into an envelope or a header.
    static func isHostName(_ text: Substring) -> Bool {
        let labels = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return !text.isEmpty && labels.allSatisfy { label in
            label.count >= 1 && label.count <= 63
                && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }
}
