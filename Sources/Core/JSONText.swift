/// JSON text for the two shapes the hot paths write and read most — a string, and an array of strings (a sync
/// item's schema and row) — without going through `JSONSerialization` (it was a fifth of entering users and a
/// third of claiming a batch). Output is byte-for-byte what `JSONSerialization` writes with
/// `.withoutEscapingSlashes`; anything the reader does not recognise returns nil so callers can fall back.
public enum JSONText {
    /// `"…"` with `"`, `\` and control characters escaped.
    public static func string(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `["a","b"]`.
    public static func stringArray(_ values: [String]) -> String {
        "[" + values.map(string).joined(separator: ",") + "]"
    }

    /// Reads `["a","b"]` (any JSON escapes inside the strings); nil for anything else.
    public static func parseStringArray(_ text: String) -> [String]? {
        var scalars = text.unicodeScalars.makeIterator()
        func next() -> Unicode.Scalar? {
            while let scalar = scalars.next() {
                if !(scalar == " " || scalar == "\n" || scalar == "\r" || scalar == "\t") { return scalar }
            }
            return nil
        }
        guard next() == "[" else { return nil }
        var values: [String] = []
        var first = true
        while true {
            guard var scalar = next() else { return nil }
            if scalar == "]" && (first || values.isEmpty) { return next() == nil ? values : nil }
            if !first {
                guard scalar == "," else { return scalar == "]" && next() == nil ? values : nil }
                guard let afterComma = next() else { return nil }
                scalar = afterComma
            }
            guard scalar == "\"", let value = readString(&scalars) else { return nil }
            values.append(value)
            first = false
        }
    }

    /// The rest of a string whose opening quote was read.
    private static func readString(_ scalars: inout String.UnicodeScalarView.Iterator) -> String? {
        var value = String.UnicodeScalarView()
        while let scalar = scalars.next() {
            switch scalar {
            case "\"": return String(value)
            case "\\":
                guard let escaped = scalars.next() else { return nil }
                switch escaped {
                case "\"", "\\", "/": value.append(escaped)
                case "n": value.append("\n")
                case "r": value.append("\r")
                case "t": value.append("\t")
                case "b": value.append("\u{08}")
                case "f": value.append("\u{0C}")
                case "u":
                    guard let unit = hex4(&scalars) else { return nil }
                    if (0xD800..<0xDC00).contains(unit) {
                        guard scalars.next() == "\\", scalars.next() == "u", let low = hex4(&scalars), (0xDC00..<0xE000).contains(low),
                              let combined = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) else { return nil }
                        value.append(combined)
                    } else {
                        guard let plain = Unicode.Scalar(unit) else { return nil }
                        value.append(plain)
                    }
                default: return nil
                }
            case let control where control.value < 0x20: return nil
            default: value.append(scalar)
            }
        }
        return nil
    }

    private static func hex4(_ scalars: inout String.UnicodeScalarView.Iterator) -> UInt32? {
        var result: UInt32 = 0
        for _ in 0..<4 {
            guard let scalar = scalars.next(), let digit = UInt32(String(scalar), radix: 16) else { return nil }
            result = result << 4 | digit
        }
        return result
    }
}
