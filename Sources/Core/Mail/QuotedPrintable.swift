/// RFC 2045 §6.7 quoted-printable encoding of a text body.
enum QuotedPrintable {
    /// RFC 2045: encoded lines are at most 76 characters, a soft break's `=` included.
    static let maxLineLength = 76

    /// Encodes `text` as UTF-8. Every CRLF, lone CR and lone LF in the text becomes one
    /// CRLF line break, so no bare CR or LF reaches SMTP (where it invites "smuggling"
    /// ambiguities); every other control byte, `=` and non-ASCII byte is escaped as `=XX`.
    /// The result ends with CRLF.
    ///
    /// A line holding only "." is left alone: dot-stuffing is the SMTP client's job, and
    /// libcurl does it.
    static func encode(_ text: String) -> String {
        let encoded = lines(of: Array(text.utf8)).map(encodeLine).joined(separator: "\r\n")
        return encoded.hasSuffix("\r\n") ? encoded : encoded + "\r\n"
    }

    /// Splits at CRLF, CR or LF (each one break).
    private static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D || byte == 0x0A {
                result.append(bytes[start..<index])
                index += (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) ? 2 : 1
                start = index
            } else {
                index += 1
            }
        }
        result.append(bytes[start..<bytes.count])
        return result
    }

    /// One hard line, split by soft breaks (`=` CRLF) so no output line passes 76.
    private static func encodeLine(_ line: ArraySlice<UInt8>) -> String {
        var output = ""
        var current = ""
        for (offset, byte) in zip(line.indices, line) {
            let isLast = offset == line.index(before: line.endIndex)
            let unit = encodeByte(byte, atLineEnd: isLast)
            // A soft-broken line needs room for its "="; the final piece of a line does not.
            let room = isLast ? maxLineLength : maxLineLength - 1
            if current.utf8.count + unit.utf8.count > room {
                output += current + "=\r\n"
                current = ""
            }
            current += unit
        }
        return output + current
    }

    /// Printable ASCII other than `=` stays literal; space and tab stay literal except at
    /// the end of a line, where transports may strip them (RFC 2045 rule 3).
    private static func encodeByte(_ byte: UInt8, atLineEnd: Bool) -> String {
        let isPrintable = ASCII.isVisible(byte) && byte != UInt8(ascii: "=")
        let isBlank = byte == 0x20 || byte == 0x09
        if isPrintable || (isBlank && !atLineEnd) {
            return String(UnicodeScalar(byte))
        }
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "="), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}
