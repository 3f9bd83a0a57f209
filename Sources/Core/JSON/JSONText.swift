/// JSON text for the two shapes the hot paths write and read most — a string, and an array of strings (a sync
/// item's schema and row, a partner call's rows) — without going through `JSONSerialization` (it was a fifth of
/// entering users, a third of claiming a batch and an eighth of sending one). Output is byte-for-byte what
/// `JSONSerialization` writes with `.withoutEscapingSlashes`; anything the reader does not recognise returns nil so
/// callers can fall back. Both work on UTF-8 bytes: a value without a byte to escape is copied whole.
public enum JSONText {
    /// `"…"` with `"`, `\` and control characters escaped.
    public static func string(_ value: String) -> String {
        if !value.utf8.contains(where: needsEscape) { return "\"" + value + "\"" }
        var out: [UInt8] = []
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `["a","b"]`.
    public static func stringArray(_ values: [String]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        appendArray(values, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `["a","b"]` to `out` (for callers building a larger document).
    public static func appendArray(_ values: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(value, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Appends `"…"` (escaped as ``string(_:)`` does) to `out`.
    public static func append(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if !value.utf8.contains(where: needsEscape) {
            out.append(contentsOf: value.utf8)
        } else {
            for byte in value.utf8 { appendEscaped(byte, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Reads `["a","b"]` (any JSON escapes inside the strings); nil for anything else.
    public static func parseStringArray(_ text: String) -> [String]? {
        read(text) { $0.document { $0.string(at: $1) } }
    }

    /// Reads `"…"` (a whole document that is one string); nil for anything else.
    public static func parseString(_ text: String) -> String? {
        read(text) { reader in
            guard let first = reader.next(), let value = reader.string(at: first), reader.next() == nil else { return nil }
            return value
        }
    }

    /// Reads `["a",null,"b"]`: strings and nulls; nil for anything else.
    public static func parseNullableStringArray(_ text: String) -> [String?]? {
        read(text) { $0.document { $0.nullableString(at: $1) } }
    }

    /// Reads `[["a","b"],[]]`: arrays of strings; nil for anything else.
    public static func parseStringArrays(_ text: String) -> [[String]]? {
        read(text) { $0.document { $0.stringArray(at: $1) } }
    }

    /// `["a",null,"b"]`.
    public static func nullableStringArray(_ values: [String?]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 1) + 3 })
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if let value { append(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `[["a","b"],[]]`.
    public static func stringArrays(_ arrays: [[String]]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(arrays.reduce(2) { total, values in values.reduce(total + 3) { $0 + $1.utf8.count + 3 } })
        out.append(UInt8(ascii: "["))
        for (index, values) in arrays.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendArray(values, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs `body` over a reader of `text`'s UTF-8 bytes.
    static func read<T>(_ text: String, _ body: (inout Reader) -> T?) -> T? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            return body(&reader)
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        let escaped: String? = switch byte {
        case UInt8(ascii: "\""): "\\\""
        case UInt8(ascii: "\\"): "\\\\"
        case UInt8(ascii: "\n"): "\\n"
        case UInt8(ascii: "\r"): "\\r"
        case UInt8(ascii: "\t"): "\\t"
        case 0x08: "\\b"
        case 0x0C: "\\f"
        case ..<0x20: "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
        default: nil
        }
        if let escaped { out.append(contentsOf: escaped.utf8) } else { out.append(byte) }
    }

    /// A cursor over the UTF-8 bytes of a JSON document: whitespace, arrays and strings (escapes included) here;
    /// `JSONValueReader` adds objects, numbers and literals.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        /// The next byte that is not JSON whitespace, consumed.
        mutating func next() -> UInt8? {
            while at < bytes.count {
                let byte = bytes[at]
                at += 1
                if !(byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) { return byte }
            }
            return nil
        }

        /// A whole document that is one array read by `element`, nothing after it.
        mutating func document<T>(_ element: (inout Reader, UInt8) -> T?) -> [T]? {
            guard next() == UInt8(ascii: "["), let values = array(element), next() == nil else { return nil }
            return values
        }

        /// The rest of an array whose `[` was read, each element read by `element` from its first byte.
        mutating func array<T>(_ element: (inout Reader, UInt8) -> T?) -> [T]? {
            var values: [T] = []
            guard var byte = next() else { return nil }
            if byte == UInt8(ascii: "]") { return values }
            while true {
                guard let value = element(&self, byte) else { return nil }
                values.append(value)
                switch next() {
                case UInt8(ascii: ","): guard let following = next() else { return nil }; byte = following
                case UInt8(ascii: "]"): return values
                default: return nil
                }
            }
        }

        /// A string element starting at `byte`.
        mutating func string(at byte: UInt8) -> String? {
            byte == UInt8(ascii: "\"") ? string() : nil
        }

        /// A string or `null` element starting at `byte` (`.some(nil)` for null).
        mutating func nullableString(at byte: UInt8) -> String?? {
            guard byte == UInt8(ascii: "n") else { return string(at: byte).map { .some($0) } }
            guard at + 3 <= bytes.count, bytes[at] == UInt8(ascii: "u"), bytes[at + 1] == UInt8(ascii: "l"),
                  bytes[at + 2] == UInt8(ascii: "l") else { return nil }
            at += 3
            return .some(nil)
        }

        /// An array-of-strings element starting at `byte`.
        mutating func stringArray(at byte: UInt8) -> [String]? {
            byte == UInt8(ascii: "[") ? array { $0.string(at: $1) } : nil
        }

        /// The rest of a string whose opening quote was read: the bytes up to the closing quote taken whole when
        /// nothing is escaped.
        mutating func string() -> String? {
            let start = at
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    at += 1
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at - 1]), as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
                if byte < 0x20 { return nil }
                at += 1
            }
            return nil
        }

        /// A string with escapes, from `start` (just after its opening quote).
        mutating func escapedString(from start: Int) -> String? {
            var value = Array(bytes[start..<at])
            while at < bytes.count {
                let byte = bytes[at]
                at += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: value, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard at < bytes.count else { return nil }
                    let escaped = bytes[at]
                    at += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): value.append(escaped)
                    case UInt8(ascii: "n"): value.append(0x0A)
                    case UInt8(ascii: "r"): value.append(0x0D)
                    case UInt8(ascii: "t"): value.append(0x09)
                    case UInt8(ascii: "b"): value.append(0x08)
                    case UInt8(ascii: "f"): value.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        value.append(contentsOf: String(Character(scalar)).utf8)
                    default: return nil
                    }
                case ..<0x20: return nil
                default: value.append(byte)
                }
            }
            return nil
        }

        /// The scalar of `\uXXXX` (the `\u` read), joining a surrogate pair.
        mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let unit = hex4() else { return nil }
            guard (0xD800..<0xDC00).contains(unit) else { return Unicode.Scalar(unit) }
            guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else { return nil }
            at += 2
            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        }

        mutating func hex4() -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            var result: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[at]
                at += 1
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                result = result << 4 | UInt32(digit)
            }
            return result
        }
    }
}
