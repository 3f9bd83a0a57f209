/// Reads a stored profile's attributes JSON (an object of scalars and arrays of scalars) straight from its UTF-8 bytes
/// into `ProfileValue`s.
///
/// Why not `JSONSerialization`: every entry's walk and every claim's consent screen reads a profile, and Foundation
/// boxes each value into `NSNumber`/`NSString`/`[Any]` only for `ProfileValue.from(jsonValue:)` to cast it back out —
/// a tenth of all `serve` did in a profile of the pipeline. This reader makes the values directly.
///
/// It only answers for text it reads exactly as Foundation would and returns nil otherwise, so the caller can fall
/// back to Foundation for the rare text it leaves alone: malformed JSON, duplicate names, integers beyond `Int64`,
/// lone surrogate escapes, non-finite numbers, nesting deeper than ``maximumDepth``. Nested objects read as `.null`,
/// as `ProfileValue.from(jsonValue:)` makes them.
enum ProfileJSONReader {
    /// Deeper nesting is left to Foundation (which has its own limit).
    static let maximumDepth = 32

    /// The object's values by name, or nil when the text is not one this reader answers for.
    static func object(_ json: String) -> [String: ProfileValue]? {
        var text = json
        return text.withUTF8 { bytes in
            var reader = Cursor(bytes: bytes)
            guard let object = reader.topLevelObject() else { return nil }
            return object
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func topLevelObject() -> [String: ProfileValue]? {
            skipSpace()
            guard take(UInt8(ascii: "{")), let object = objectBody(depth: 1) else { return nil }
            skipSpace()
            return at == bytes.count ? object : nil
        }

        /// After `{`: the members up to and including `}`.
        private mutating func objectBody(depth: Int) -> [String: ProfileValue]? {
            var object: [String: ProfileValue] = [:]
            skipSpace()
            if take(UInt8(ascii: "}")) { return object }
            while true {
                skipSpace()
                guard take(UInt8(ascii: "\"")), let name = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard let value = value(depth: depth), object.updateValue(value, forKey: name) == nil else { return nil }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}")) ? object : nil
            }
        }

        private mutating func value(depth: Int) -> ProfileValue? {
            guard at < bytes.count, depth <= ProfileJSONReader.maximumDepth else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "\""):
                at += 1
                return string().map(ProfileValue.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            case UInt8(ascii: "["):
                at += 1
                return array(depth: depth + 1)
            case UInt8(ascii: "{"):
                at += 1
                return objectBody(depth: depth + 1).map { _ in .null }   // profiles never store objects: missing
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return nil
            }
        }

        /// After `[`: the elements up to and including `]`.
        private mutating func array(depth: Int) -> ProfileValue? {
            var elements: [ProfileValue] = []
            skipSpace()
            if take(UInt8(ascii: "]")) { return .array(elements) }
            while true {
                skipSpace()
                guard let element = value(depth: depth) else { return nil }
                elements.append(element)
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]")) ? .array(elements) : nil
            }
        }

        /// After the opening quote: the text up to and including the closing one. Text without escapes is copied
        /// once; escapes are decoded into a buffer.
        private mutating func string() -> String? {
            let start = at
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") {
                    defer { at += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
                if byte < 0x20 { return nil }   // JSON forbids raw control characters in text
                at += 1
            }
            return nil
        }

        private mutating func escapedString(from start: Int) -> String? {
            var decoded = Array(UnsafeBufferPointer(rebasing: bytes[start..<at]))
            while at < bytes.count {
                let byte = bytes[at]
                at += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: decoded, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard at < bytes.count else { return nil }
                    let escape = bytes[at]
                    at += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                    case UInt8(ascii: "b"): decoded.append(0x08)
                    case UInt8(ascii: "f"): decoded.append(0x0C)
                    case UInt8(ascii: "n"): decoded.append(0x0A)
                    case UInt8(ascii: "r"): decoded.append(0x0D)
                    case UInt8(ascii: "t"): decoded.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        decoded.append(contentsOf: UTF8.encode(scalar)!)
                    default: return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    decoded.append(byte)
                }
            }
            return nil
        }

        /// After `\u`: one scalar, a surrogate pair taken whole; a lone surrogate is not read.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let unit = hex4() else { return nil }
            if (0xDC00...0xDFFF).contains(unit) { return nil }
            guard (0xD800...0xDBFF).contains(unit) else { return Unicode.Scalar(unit) }
            guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        }

        private mutating func hex4() -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            var unit: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Self.hexDigit(bytes[at]) else { return nil }
                unit = unit << 4 | digit
                at += 1
            }
            return unit
        }

        private static func hexDigit(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// A number by JSON's grammar: integers through `Int64` (as Foundation reads them), the rest through `Double`.
        private mutating func number() -> ProfileValue? {
            let start = at
            _ = take(UInt8(ascii: "-"))
            if take(UInt8(ascii: "0")) {
                if at < bytes.count, Self.isDigit(bytes[at]) { return nil }   // no leading zeros
            } else if digits() == 0 {
                return nil
            }
            var integral = true
            if take(UInt8(ascii: ".")) {
                integral = false
                guard digits() > 0 else { return nil }
            }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                integral = false
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                guard digits() > 0 else { return nil }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
            if integral { return Int64(text).map { .number(Double($0)) } }
            guard let number = Double(text), number.isFinite else { return nil }
            return .number(number)
        }

        private mutating func digits() -> Int {
            let start = at
            while at < bytes.count, Self.isDigit(bytes[at]) { at += 1 }
            return at - start
        }

        private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

        private mutating func literal(_ word: StaticString, _ value: ProfileValue) -> ProfileValue? {
            let count = word.utf8CodeUnitCount
            guard at + count <= bytes.count else { return nil }
            for offset in 0..<count where bytes[at + offset] != word.utf8Start[offset] { return nil }
            at += count
            return value
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        private mutating func skipSpace() {
            while at < bytes.count {
                switch bytes[at] {
                case 0x20, 0x09, 0x0A, 0x0D: at += 1
                default: return
                }
            }
        }
    }
}
