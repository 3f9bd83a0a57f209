import Foundation

/// Validates `/users/track` objects: standard attributes by their rules, custom ones by shape and size.
///
/// Lenient and lossless: one bad attribute never drops a user. Each attribute is checked on its own; the valid
/// ones are kept (standard ones in their canonical form, see `StandardValues`) and each bad one is reported by
/// index and name. Only an object that is not an object, or has no usable `external_id`, is dropped whole.
/// Pure: the date that bounds birth dates is passed in.
public enum ProfileValidation {
    /// The most objects one request may carry.
    public static let maxObjectsPerRequest = 10_000
    /// The most attributes one object may carry.
    public static let maxAttributesPerObject = 250
    /// The longest attribute name.
    public static let maxNameLength = 255
    /// The longest string value (and the largest array, serialized).
    public static let maxValueBytes = 4_096

    /// Checks one object (`index` is its position): the update holding every valid attribute, and the problems.
    public static func validate(_ object: JSONValue, index: Int, today: Date) -> ProfileValidationOutcome {
        guard let dictionary = object.members else {
            return ProfileValidationOutcome(update: nil, errors: [FieldError(index: index, field: "", message: "Each item must be a JSON object.")])
        }
        let externalID: String
        switch checkedExternalID(dictionary["external_id"], field: "external_id") {
        case .success(let id): externalID = id
        case .failure(let problem):
            return ProfileValidationOutcome(update: nil, errors: [FieldError(index: index, field: "external_id", message: problem.message)])
        }
        return validate(attributes: dictionary, of: externalID, index: index, today: today)
    }

    /// Checks the attributes of a user whose external id was already checked (a trigger recipient's `attributes`); an
    /// `external_id` among them is ignored.
    public static func validate(attributes object: [String: JSONValue], of externalID: String, index: Int,
                                today: Date) -> ProfileValidationOutcome {
        var errors: [FieldError] = []
        var attributes: [String: String] = .init(minimumCapacity: object.count)
        // Which attributes fit under the limit must not depend on dictionary order: past it, names are taken sorted.
        let names = object.count > maxAttributesPerObject ? object.keys.sorted() : Array(object.keys)
        for name in names where name != "external_id" {
            let value = object[name]!
            if let problem = nameProblem(name) ?? valueProblem(name, value, today: today) {
                errors.append(FieldError(index: index, field: name, message: problem))
            } else if attributes.count >= maxAttributesPerObject {
                errors.append(FieldError(index: index, field: name,
                                         message: "At most \(maxAttributesPerObject) attributes per user; this one was not stored."))
            } else {
                attributes[name] = normalized(name, value).canonicalText
            }
        }
        if errors.count > 1 { errors.sort { $0.field < $1.field } }   // reported in name order, whatever the dictionary's
        return ProfileValidationOutcome(update: ProfileUpdate(externalID: externalID, attributes: attributes), errors: errors)
    }

    /// `value` trimmed when it can identify a user, else why not (`field` names it in the message).
    ///
    /// Control characters are refused: they cannot be shown or typed back, and SQLite's `length()` stops at a NUL.
    public static func checkedExternalID(_ value: JSONValue?, field: String) -> Result<String, TextProblem> {
        let rule = { TextProblem("\(field) is required: a non-empty string of at most 512 characters.") }   // worded on failure only
        guard let text = value?.text else { return .failure(rule()) }
        let trimmed = trimmedText(text)
        // 512 bytes are at most 512 characters: only a longer text needs its characters counted.
        if trimmed.isEmpty || (trimmed.utf8.count > 512 && trimmed.count > 512) { return .failure(rule()) }
        if let problem = TextRules.controlCharacterProblem(trimmed) { return .failure(TextProblem(problem)) }
        return .success(trimmed)
    }

    /// Why `name` cannot be an attribute name (empty, too long, or Braze's reserved `$` prefix), or nil.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty || name.count > maxNameLength { return "Attribute names have 1 to \(maxNameLength) characters." }
        if name.hasPrefix("$") { return "Attribute names cannot start with $." }
        return nil
    }

    /// Why `value` is not acceptable for attribute `name`, or nil.
    static func valueProblem(_ name: String, _ value: JSONValue, today: Date) -> String? {
        if value.isNull { return nil }   // removes the attribute
        if let standard = StandardAttribute(rawValue: name) { return standardProblem(standard, value, today: today) }
        return shapeProblem(value)
    }

    private static func shapeProblem(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text.utf8.count > maxValueBytes ? "Text values are at most \(maxValueBytes) bytes." : nil
        case .integer, .double, .bool, .null: return nil
        case .array(let elements):
            guard elements.allSatisfy(isScalar) else { return "Arrays may hold only text, numbers and true/false." }
            return value.canonicalText.utf8.count > maxValueBytes ? "Arrays are at most \(maxValueBytes) bytes as JSON." : nil
        case .object: return "Use text, a number, true/false, null, or an array of those (nested objects are not supported)."
        }
    }

    /// Text, a number or true/false: what an array attribute may hold.
    private static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .string, .integer, .double, .bool: true
        case .null, .array, .object: false
        }
    }

    private static func standardProblem(_ attribute: StandardAttribute, _ value: JSONValue, today: Date) -> String? {
        switch attribute {
        case .adsTrackingEnabled, .optedInMarketing, .doNotSell:
            return StandardValues.bool(value) == nil ? "Use true or false." : nil
        case .externalID:
            return nil
        default:
            guard let text = value.text else { return "Use text." }
            return textProblem(attribute, trimmedText(text), today: today)
        }
    }

    private static func textProblem(_ attribute: StandardAttribute, _ text: String, today: Date) -> String? {
        switch attribute {
        case .email:
            return isEmail(text) || PreHashed.digest(text) != nil
                ? nil : "Not an email address (expected name@domain.tld, or its SHA-256 as 64 hex digits)."
        case .phone:
            if PreHashed.digest(text) != nil { return nil }
            let digits = text.filter(\.isASCII).filter(\.isNumber).count
            let allowed = text.allSatisfy { $0.isASCII && ($0.isNumber || " +-().".contains($0)) }
            return allowed && (5...20).contains(digits)
                ? nil : "Not a phone number (5 to 20 digits; + - ( ) . and spaces allowed; or its SHA-256 as 64 hex digits)."
        case .gender:
            return StandardValues.gender(text) != nil
                ? nil : "Use M, F, O (other), N (not applicable), P (prefer not to say) or U (unknown), or a word such as male or female."
        case .dob:
            return dateProblem(text, today: today)
        case .country:
            return StandardValues.country(text) != nil
                ? nil : "Not a country we recognize: use an ISO 3166-1 code such as US or GB, or the country's name."
        case .idfa, .gaid:
            return isUUID(text) ? nil : "Use the device id's 8-4-4-4-12 hexadecimal form."
        default:
            return text.utf8.count > maxValueBytes ? "Text values are at most \(maxValueBytes) bytes." : nil
        }
    }

    /// `YYYY-MM-DD`, a real calendar day, from 1900 to `today`.
    static func dateProblem(_ text: String, today: Date) -> String? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            return "Use a date as YYYY-MM-DD."
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day, calendar.component(.month, from: date) == month else {
            return "\(text) is not a calendar date."
        }
        guard year >= 1900, date <= today else { return "Use a date from 1900 to today." }
        return nil
    }

    /// The canonical form of a valid value: what is stored, so that criteria and partners see one spelling.
    private static func normalized(_ name: String, _ value: JSONValue) -> JSONValue {
        guard let standard = StandardAttribute(rawValue: name), !value.isNull else { return value }
        switch standard {
        case .adsTrackingEnabled, .optedInMarketing, .doNotSell: return StandardValues.bool(value).map(JSONValue.bool) ?? value
        default: break
        }
        guard let text = value.text else { return value }
        let trimmed = trimmedText(text)
        switch standard {
        case .gender: return .string(StandardValues.gender(trimmed) ?? trimmed)
        case .country: return .string(StandardValues.country(trimmed) ?? trimmed)
        case .email, .idfa, .gaid: return .string(trimmed.lowercased())
        case .phone: return .string(PreHashed.digest(trimmed) ?? trimmed)
        default: return .string(trimmed)
        }
    }

    static func isEmail(_ text: String) -> Bool {
        var text = text
        if let ascii = text.withUTF8({ $0.allSatisfy { $0 < 0x80 } ? isASCIIEmail($0) : nil }) { return ascii }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64, text.count <= 254 else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !domain.contains("..")
            && !text.contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == ">" })
    }

    /// ``isEmail(_:)`` for ASCII text, on its bytes (the common case: Character-by-Character it was a twentieth of
    /// entering a user): one `@` with 1 to 64 bytes before it, at most 254 in all, a dot in the domain but not at
    /// either end nor doubled, and no space, comma or angle bracket.
    private static func isASCIIEmail(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= 254, let at = bytes.firstIndex(of: UInt8(ascii: "@")), (1...64).contains(at) else { return false }
        let domain = UnsafeBufferPointer(rebasing: bytes[(at + 1)...])
        guard !domain.contains(UInt8(ascii: "@")), domain.contains(UInt8(ascii: ".")),
              domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: ".") else { return false }
        for (index, byte) in bytes.enumerated() {
            if byte == 0x20 || (0x09...0x0D).contains(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "<")
                || byte == UInt8(ascii: ">") { return false }
            if byte == UInt8(ascii: "."), index > at, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ".") { return false }
        }
        return true
    }

    static func isUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// `text` without surrounding white space; the common case (none) returns at once without Foundation's
    /// `CharacterSet` machinery, which was a tenth of entering users.
    static func trimmedText(_ text: String) -> String {
        // A text that starts and ends with printable ASCII other than space has nothing to trim (the common case).
        if ASCII.hasVisibleEnds(text) { return text }
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
              first.properties.isWhitespace || last.properties.isWhitespace else { return text }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The result of validating one object.
public struct ProfileValidationOutcome: Sendable, Equatable {
    /// What to store: every valid attribute; nil when the object is dropped (not an object, or no usable external id).
    public let update: ProfileUpdate?
    /// Every problem found, by attribute name; empty when everything sent is stored.
    public let errors: [FieldError]
    /// Creates a value.
    public init(update: ProfileUpdate?, errors: [FieldError]) { self.update = update; self.errors = errors }
}
