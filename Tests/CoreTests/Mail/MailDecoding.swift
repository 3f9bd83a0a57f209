import Foundation

/// Small decoders the rendering tests use to check round trips; deliberately written
/// from the RFCs rather than by reusing the encoder's helpers.
enum MailDecoding {
    /// The header block (before the first empty line) and the body after it.
    static func split(_ message: String) -> (header: String, body: String) {
        guard let range = message.range(of: "\r\n\r\n") else { return (message, "") }
        return (String(message[..<range.lowerBound]), String(message[range.upperBound...]))
    }

    /// Raw physical lines of a CRLF text; the empty piece after a final CRLF is dropped.
    static func lines(_ text: String) -> [String] {
        var pieces = text.components(separatedBy: "\r\n")
        if pieces.last == "" { pieces.removeLast() }
        return pieces
    }

    /// Unfolded header fields, names as written.
    static func fields(_ message: String) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        for line in lines(split(message).header) {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), !fields.isEmpty {
                fields[fields.count - 1].value += line  // unfolding removes only the CRLF
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].drop { $0 == " " }
                fields.append((String(line[..<colon]), String(value)))
            }
        }
        return fields
    }

    /// The first unfolded value of `name`.
    static func field(_ name: String, in message: String) -> String? {
        fields(message).first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Unstructured text: if every space-separated token is an RFC 2047 B word, the words
    /// decoded and concatenated (whitespace between encoded-words does not count);
    /// otherwise the text as is.
    static func unstructured(_ value: String) -> String {
        let tokens = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let decoded = tokens.map { encodedWord(String($0)) }
        guard !tokens.isEmpty, decoded.allSatisfy({ $0 != nil }) else { return value }
        return decoded.map { $0! }.joined()
    }

    /// `=?UTF-8?B?…?=` decoded, or nil for anything else.
    static func encodedWord(_ token: String) -> String? {
        let prefix = "=?UTF-8?B?"
        guard token.uppercased().hasPrefix(prefix), token.hasSuffix("?="), token.count > prefix.count + 2 else { return nil }
        let payload = token.dropFirst(prefix.count).dropLast(2)
        guard let data = Data(base64Encoded: String(payload)) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// RFC 2045 quoted-printable: soft breaks removed, `=XX` turned into bytes, read as UTF-8.
    static func quotedPrintable(_ body: String) -> String? {
        var bytes: [UInt8] = []
        let input = Array(body.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "=") {
                guard index + 2 < input.count,
                      let byte = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(byte)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    /// Whether every `=` in a quoted-printable line starts a two-digit hex escape or is the
    /// final soft-break `=`.
    static func hasWholeEscapes(_ line: String) -> Bool {
        let bytes = Array(line.utf8)
        let isHex = { (byte: UInt8) in (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) }
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "=") else {
                index += 1
                continue
            }
            if index == bytes.count - 1 { return true }
            guard index + 2 < bytes.count, isHex(bytes[index + 1]), isHex(bytes[index + 2]) else { return false }
            index += 3
        }
        return true
    }

    /// What the body should decode to: CR, LF and CRLF all as CRLF, ending with CRLF.
    static func normalizedLineEndings(_ text: String) -> String {
        var result = text.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        if !result.hasSuffix("\r\n") { result += "\r\n" }
        return result
    }
}
