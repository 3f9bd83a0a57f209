/// Ordered name/value pairs decoded from a query string or an `application/x-www-form-urlencoded` body.
///
/// Names may repeat (checkbox groups); ``subscript(_:)`` gives the first value, ``all(_:)`` every value.
public struct FormValues: Sendable, Equatable {
    /// The pairs in the order they arrived.
    public var pairs: [(name: String, value: String)]

    /// Creates values from pairs.
    public init(_ pairs: [(name: String, value: String)] = []) { self.pairs = pairs }

    /// Decodes `a=1&b=two+words&c=%C3%A9`. Malformed escapes are kept literally, never rejected.
    ///
    /// Split on bytes, not Characters: `&` and `=` are ASCII, and grapheme breaking over a large body (a partner
    /// call of 10,000 rows is 740 kB) cost more than the decoding itself.
    public init(urlEncoded text: Substring) {
        pairs = text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = URLEncoding.decode(bytes: pieces[0])
            let value = pieces.count > 1 ? URLEncoding.decode(bytes: pieces[1]) : ""
            return (name, value)
        }
    }

    /// The first value named `name`, or nil.
    public subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value named `name`, in order.
    public func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// Whether no pair is present.
    public var isEmpty: Bool { pairs.isEmpty }

    public static func == (lhs: FormValues, rhs: FormValues) -> Bool {
        lhs.pairs.map(\.name) == rhs.pairs.map(\.name) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }
}

/// Percent-encoding for URLs and form bodies.
public enum URLEncoding {
    /// Decodes `%XX` escapes and `+` as space; invalid UTF-8 is repaired with U+FFFD.
    public static func decode(_ text: Substring) -> String {
        decode(bytes: text.utf8)
    }

    /// ``decode(_:)`` of UTF-8 bytes; a component without `%` or `+` is taken whole.
    public static func decode(bytes text: some Collection<UInt8>) -> String {
        if !text.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) { return String(decoding: text, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var iterator = Array(text)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                      let hi = hexValue(iterator[iterator.startIndex]),
                      let lo = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(hi << 4 | lo)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes a query or form component: everything but `A–Z a–z 0–9 - . _ ~` is escaped.
    public static func encode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Builds `a=1&b=2` from pairs, escaping each side.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    private static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "~")
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
