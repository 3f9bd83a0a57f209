import Foundation

/// A JSON document as plain Swift values: what the API reads a request body into, and what profile validation, event
/// validation and CSV import check.
///
/// Numbers keep Foundation's two kinds, because the stored spelling follows them: an integer (no fraction or exponent,
/// within `Int64`) is stored as its digits, any other number as `JSONSerialization` writes a `Double`.
public enum JSONValue: Sendable, Equatable {
    /// A JSON string.
    case string(String)
    /// A number written without a fraction or exponent that fits `Int64`.
    case integer(Int64)
    /// Any other (finite) number.
    case double(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An array.
    case array([JSONValue])
    /// An object; a name sent twice keeps its last value, as `JSONSerialization` does.
    case object([String: JSONValue])

    /// Reads a whole JSON document, or nil when it is not valid JSON. Read from its bytes (`JSONValueReader`); the rare
    /// document that reader leaves alone (see there) is read by `JSONSerialization` and converted, with the same result.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        if let value = bytes.withUnsafeBufferPointer({ JSONValueReader.document($0, as: JSONValue.self) }) { return value }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) else { return nil }
        return JSONValue(foundation: object)
    }

    /// Converts a value `JSONSerialization` decoded (or one built the same way: `NSNumber`, `String`, `NSNull`,
    /// `[Any]`, `[String: Any]`). Booleans are told from numbers by the NSNumber's Objective-C type `c`: on Linux
    /// `is Bool` is also true for the numbers 0 and 1. An integer beyond `Int64` becomes a `.double`; anything that is
    /// not JSON becomes `.null`.
    public init(foundation value: Any) {
        switch value {
        case let number as NSNumber:
            let type = String(cString: number.objCType)
            if type == "c" || type == "B" {
                self = .bool(number.boolValue)
            } else if type == "d" || type == "f" {
                self = .double(number.doubleValue)
            } else if number.compare(NSNumber(value: number.int64Value)) == .orderedSame {
                self = .integer(number.int64Value)
            } else {
                self = .double(number.doubleValue)
            }
        case let text as String: self = .string(text)
        case let array as [Any]: self = .array(array.map(JSONValue.init(foundation:)))
        case let object as [String: Any]: self = .object(object.mapValues(JSONValue.init(foundation:)))
        default: self = .null
        }
    }

    /// The same value as `JSONSerialization` would have decoded it, for code that hands it back to Foundation.
    public var foundation: Any {
        switch self {
        case .string(let text): text
        case .integer(let number): NSNumber(value: number)
        case .double(let number): NSNumber(value: number)
        case .bool(let flag): NSNumber(value: flag)
        case .null: NSNull()
        case .array(let values): values.map(\.foundation)
        case .object(let values): values.mapValues(\.foundation) as [String: Any]
        }
    }

    /// Compact JSON with sorted keys: what is stored, so that criteria and partners see one spelling. Strings, integers,
    /// booleans and null are written here (as `JSONSerialization` writes them); a fractional number, an array or an
    /// object is written by `JSONSerialization` itself.
    public var canonicalText: String {
        switch self {
        case .null: return "null"
        case .string(let text): return JSONText.string(text)
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let number): return String(number)
        case .double, .array, .object:
            let options: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
            guard let data = try? JSONSerialization.data(withJSONObject: foundation, options: options) else { return "null" }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The text, when this is a string.
    public var text: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number as a `Double`, when this is a number (not a boolean).
    public var number: Double? {
        switch self {
        case .integer(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    /// The elements, when this is an array.
    public var elements: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The values by name, when this is an object.
    public var members: [String: JSONValue]? {
        if case .object(let values) = self { return values }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool { self == .null }

    /// The value as entry criteria and the consent policy read it: both kinds of number are `.number`, and an object
    /// (which profiles never store) is `.null`.
    public var profileValue: ProfileValue {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .number(Double(number))
        case .double(let number): .number(number)
        case .bool(let flag): .bool(flag)
        case .null, .object: .null
        case .array(let values): .array(values.map(\.profileValue))
        }
    }
}

extension JSONValue: JSONReadable {
    /// None: a request's whole tree is held at once, and room for 8 members in each of a 10,000-recipient body's
    /// objects took the pipeline's peak memory from 131 to 167 MB (`make bench BENCH=memory`) to save 3 % of its
    /// instructions.
    static var reservedMembers: Int { 0 }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// A fractional number.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object (a name given twice keeps its last value).
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(Dictionary(elements, uniquingKeysWith: { $1 })) }
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
}
