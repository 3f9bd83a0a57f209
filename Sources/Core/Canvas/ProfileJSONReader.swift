/// Reads a stored profile's attributes JSON (an object of scalars and arrays of scalars) straight from its UTF-8 bytes
/// into `ProfileValue`s, with `JSONText.Reader` for whitespace, arrays and strings.
///
/// Why not `JSONSerialization`: every entry's walk and every claim's consent screen reads a profile, and Foundation
/// boxes each value into `NSNumber`/`NSString`/`[Any]` only for `ProfileValue.from(jsonValue:)` to cast it back out —
/// a tenth of all `serve` did in a profile of the pipeline. This reader makes the values directly.
///
/// It only answers for text it reads exactly and returns nil otherwise, so the caller can fall back to Foundation for
/// the rare text it leaves alone: malformed JSON, duplicate names, integers beyond `Int64`, lone surrogate escapes,
/// non-finite numbers, nesting deeper than ``maximumDepth``. Nested objects read as `.null`, as
/// `ProfileValue.from(jsonValue:)` makes them. Numbers are rounded correctly (as `Double("…")` reads them).
enum ProfileJSONReader {
    /// Deeper nesting is left to Foundation (which has its own limit).
    static let maximumDepth = 32

    /// The object's values by name, or nil when the text is not one this reader answers for.
    static func object(_ json: String) -> [String: ProfileValue]? {
        JSONText.read(json) { reader in
            guard reader.next() == UInt8(ascii: "{"), let object = reader.profileObject(depth: 1), reader.next() == nil else { return nil }
            return object
        }
    }
}

extension JSONText.Reader {
    /// The rest of an object whose `{` was read.
    mutating func profileObject(depth: Int) -> [String: ProfileValue]? {
        var object: [String: ProfileValue] = [:]
        guard var byte = next() else { return nil }
        if byte == UInt8(ascii: "}") { return object }
        while true {
            guard byte == UInt8(ascii: "\""), let name = string(), next() == UInt8(ascii: ":"), let first = next(),
                  let value = profileValue(at: first, depth: depth), object.updateValue(value, forKey: name) == nil else { return nil }
            switch next() {
            case UInt8(ascii: ","): guard let following = next() else { return nil }; byte = following
            case UInt8(ascii: "}"): return object
            default: return nil
            }
        }
    }

    /// The value whose first byte, `byte`, was read.
    mutating func profileValue(at byte: UInt8, depth: Int) -> ProfileValue? {
        guard depth <= ProfileJSONReader.maximumDepth else { return nil }
        switch byte {
        case UInt8(ascii: "\""): return string().map(ProfileValue.string)
        case UInt8(ascii: "t"): return rest(of: "true").map { .bool(true) }
        case UInt8(ascii: "f"): return rest(of: "false").map { .bool(false) }
        case UInt8(ascii: "n"): return rest(of: "null").map { .null }
        case UInt8(ascii: "["): return array { $0.profileValue(at: $1, depth: depth + 1) }.map(ProfileValue.array)
        case UInt8(ascii: "{"): return profileObject(depth: depth + 1).map { _ in .null }   // profiles never store objects: missing
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number(from: at - 1)
        default: return nil
        }
    }

    /// The rest of `word` after its first byte, consumed.
    private mutating func rest(of word: StaticString) -> Void? {
        let count = word.utf8CodeUnitCount - 1
        guard at + count <= bytes.count else { return nil }
        for offset in 0..<count where bytes[at + offset] != word.utf8Start[offset + 1] { return nil }
        at += count
        return ()
    }

    /// A number by JSON's grammar starting at `start`: integers through `Int64` (as Foundation reads them), the rest
    /// through `Double`.
    private mutating func number(from start: Int) -> ProfileValue? {
        at = start
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

    private mutating func take(_ byte: UInt8) -> Bool {
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }
}
