import Foundation

/// One attribute value of a stored user profile, as entry criteria see it.
///
/// Profiles hold JSON scalars and arrays of scalars; this keeps the JSON type, because the type decides how a
/// filter compares (`"7"` the text is not `7` the number, and only real booleans are true or false).
public enum ProfileValue: Sendable, Equatable {
    /// A JSON string.
    case string(String)
    /// A JSON number (integers included; Double is exact up to 2^53, far beyond profile needs).
    case number(Double)
    /// A JSON `true` or `false`.
    case bool(Bool)
    /// A JSON array (profiles only store arrays of scalars).
    case array([ProfileValue])
    /// A JSON `null`; filters treat it exactly like a missing attribute.
    case null

    /// Parses a profile's stored attributes JSON text (an object) into values by name, or nil if the text is
    /// not a JSON object. Read from its bytes (`JSONValueReader`); the rare text that reader leaves alone is read by
    /// Foundation, with the same result.
    public static func parseObject(json: String) -> [String: ProfileValue]? {
        JSONValueReader.object(json, as: ProfileValue.self) ?? parseObjectWithFoundation(json: json)
    }

    /// `parseObject(json:)` through `JSONSerialization`: the reference the byte reader is tested against.
    static func parseObjectWithFoundation(json: String) -> [String: ProfileValue]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let dictionary = object as? [String: Any] else { return nil }
        return dictionary.mapValues { JSONValue(foundation: $0).profileValue }
    }

    /// Whether the value counts as present for `exists`: anything but null (empty text and empty arrays count).
    var isPresent: Bool { self != .null }
}

/// Profiles are read by `JSONValueReader`: numbers of either kind are `.number`, and a nested object (which profile
/// validation never stores) is `.null`, as `JSONValue.profileValue` makes them.
extension ProfileValue: JSONReadable {
    static func integer(_ value: Int64) -> ProfileValue { .number(Double(value)) }
    static func double(_ value: Double) -> ProfileValue { .number(value) }
    static func object(_ values: [String: ProfileValue]) -> ProfileValue { .null }
    /// A profile is read, used and dropped one at a time: room for a typical one.
    static var reservedMembers: Int { 8 }
}
