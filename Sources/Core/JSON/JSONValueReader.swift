/// A value the byte reader below can build: one constructor per JSON shape. `JSONValue` (a request body) and
/// `ProfileValue` (a stored profile) are both read by the same reader.
protocol JSONReadable {
    /// A JSON string.
    static func string(_ value: String) -> Self
    /// `true` or `false`.
    static func bool(_ value: Bool) -> Self
    /// `null`.
    static var null: Self { get }
    /// A number without a fraction or exponent that fits `Int64` (as Foundation reads it: an integer).
    static func integer(_ value: Int64) -> Self
    /// Any other finite number.
    static func double(_ value: Double) -> Self
    /// An array.
    static func array(_ values: [Self]) -> Self
    /// An object (names are unique: the reader declines a document that repeats one).
    static func object(_ values: [String: Self]) -> Self
    /// Room reserved in each object's dictionary before its first member: growing one 1 → 3 → 6 → 12 costs
    /// instructions, room costs memory for as long as the value is held.
    static var reservedMembers: Int { get }
}

/// Reads JSON straight from its UTF-8 bytes into a `JSONReadable` value, with `JSONText.Reader` for whitespace, arrays
/// and strings.
///
/// Why not `JSONSerialization`: every entry's walk and every claim's consent screen reads a profile, and every request
/// body is read once; Foundation boxes each value into `NSNumber`/`NSString`/`[Any]` only for the caller to cast it back
/// out. That was a tenth of all `serve` did for stored profiles, and over a tenth again for request bodies.
///
/// It only answers for text it reads exactly and returns nil otherwise, so the caller can fall back to Foundation for
/// the rare text it leaves alone: malformed JSON, duplicate names, integers beyond `Int64`, lone surrogate escapes,
/// non-finite numbers, nesting deeper than ``maximumDepth``. Numbers are rounded correctly (as `Double("…")` reads them).
enum JSONValueReader {
    /// Deeper nesting is left to Foundation (which has its own limit).
    static let maximumDepth = 32

    /// The whole document `bytes` as one value, or nil when it is not a text this reader answers for.
    static func document<V: JSONReadable>(_ bytes: UnsafeBufferPointer<UInt8>, as _: V.Type = V.self) -> V? {
        var reader = JSONText.Reader(bytes: bytes)
        guard let first = reader.next(), let value: V = reader.value(at: first, depth: 1), reader.next() == nil else { return nil }
        return value
    }

    /// The document `text` when it is an object, its values by name; nil otherwise or when the reader declines it.
    static func object<V: JSONReadable>(_ text: String, as _: V.Type = V.self) -> [String: V]? {
        JSONText.read(text) { reader in
            guard reader.next() == UInt8(ascii: "{"), let object: [String: V] = reader.object(depth: 1), reader.next() == nil else { return nil }
            return object
        }
    }
}

extension JSONText.Reader {
    /// The rest of an object whose `{` was read.
    mutating func object<V: JSONReadable>(depth: Int) -> [String: V]? {
        var object = [String: V](minimumCapacity: V.reservedMembers)
        guard var byte = next() else { return nil }
        if byte == UInt8(ascii: "}") { return object }
        while true {
            guard byte == UInt8(ascii: "\""), let name = string(), next() == UInt8(ascii: ":"), let first = next(),
                  let value: V = value(at: first, depth: depth), object.updateValue(value, forKey: name) == nil else { return nil }
            switch next() {
            case UInt8(ascii: ","): guard let following = next() else { return nil }; byte = following
            case UInt8(ascii: "}"): return object
            default: return nil
            }
        }
    }

    /// The value whose first byte, `byte`, was read.
    mutating func value<V: JSONReadable>(at byte: UInt8, depth: Int) -> V? {
        guard depth <= JSONValueReader.maximumDepth else { return nil }
        switch byte {
        case UInt8(ascii: "\""): return string().map(V.string)
        case UInt8(ascii: "t"): return rest(of: "true").map { V.bool(true) }
        case UInt8(ascii: "f"): return rest(of: "false").map { V.bool(false) }
        case UInt8(ascii: "n"): return rest(of: "null").map { V.null }
        case UInt8(ascii: "["): return array { (reader: inout Self, first: UInt8) -> V? in reader.value(at: first, depth: depth + 1) }.map(V.array)
        case UInt8(ascii: "{"): return (object(depth: depth + 1) as [String: V]?).map(V.object)
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
    private mutating func number<V: JSONReadable>(from start: Int) -> V? {
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
        if integral { return Int64(text).map(V.integer) }
        guard let number = Double(text), number.isFinite else { return nil }
        return V.double(number)
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
