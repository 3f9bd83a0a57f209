import Foundation

/// How a CSV of user profiles reads: a header row naming standard and custom attributes (one of them
/// `external_id`), then one profile per row, checked by the same rules as `/users/track`.
///
/// Cells are text; each becomes the JSON value the REST API would take: the standard true/false attributes read
/// `true`/`false`/`yes`/`no`/`1`/`0`; other standard attributes stay text; a custom attribute reads as a boolean
/// for `true`/`false`, as a number when it is a plain decimal without a leading zero (`42`, `-3.5`; not `007`,
/// which is an id or a zip code), and as text otherwise. An empty cell leaves the attribute as it is: a CSV
/// cannot say "remove this attribute", and a re-import must not wipe what a blank column did not mean to.
public enum CSVProfiles {
    /// The most columns a header may name (`external_id` plus the attribute limit of one profile).
    public static let maxColumns = ProfileValidation.maxAttributesPerObject + 1

    /// Why a header row cannot be imported, said next to the file field.
    public struct HeaderProblem: Error, Equatable, Sendable {
        public let message: String
        /// Creates a value.
        public init(message: String) { self.message = message }
    }

    /// The column names of a header row, or why the file cannot be imported.
    public static func header(_ fields: [String]) -> Result<[String], HeaderProblem> {
        var names = fields.map { $0.trimmingCharacters(in: .whitespaces) }
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }   // a UTF-8 BOM
        func problem(_ message: String) -> Result<[String], HeaderProblem> { .failure(HeaderProblem(message: message)) }
        guard names.contains("external_id") else { return problem("The first row must name the columns, one of them external_id.") }
        guard names.count <= maxColumns else { return problem("At most \(maxColumns) columns.") }
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 && !$0.key.isEmpty })?.key {
            return problem("The column \(duplicate) is named twice.")
        }
        if let bad = names.first(where: { !$0.isEmpty && ProfileValidation.nameProblem($0) != nil }) {
            return problem("The column name “\(bad)” cannot be used: \(ProfileValidation.nameProblem(bad) ?? "").")
        }
        return .success(names)
    }

    /// One row as the object `ProfileValidation.validate` takes; nil when the row has a different number of cells.
    public static func object(_ cells: [String], header: [String]) -> [String: JSONValue]? {
        guard cells.count == header.count else { return nil }
        var object: [String: JSONValue] = [:]
        for (name, cell) in zip(header, cells) where !name.isEmpty {
            let text = cell.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            object[name] = value(text, for: name)
        }
        return object
    }

    /// The JSON value a cell stands for (see the type's comment).
    static func value(_ text: String, for name: String) -> JSONValue {
        if let standard = StandardAttribute(rawValue: name) {
            switch standard {
            case .adsTrackingEnabled, .optedInMarketing, .doNotSell: return StandardValues.bool(.string(text)).map(JSONValue.bool) ?? .string(text)
            default: return .string(text)
            }
        }
        switch text.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: break
        }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let leadingZero = digits.count > 1 && digits.hasPrefix("0") && !digits.hasPrefix("0.")
        if !leadingZero, let number = FilterValueParsing.number(text), !text.contains(where: { "eE+".contains($0) }) {
            return number == number.rounded() && abs(number) < 1e15 ? .integer(Int64(number)) : .double(number)
        }
        return .string(text)
    }

    /// The reason a row was rejected, in one line for the report.
    public static func reason(_ errors: [FieldError]) -> String {
        errors.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }.joined(separator: "; ")
    }

    /// The report line of a row that was stored without some of its cells: which ones, and why.
    public static func partialReason(_ errors: [FieldError]) -> String {
        "Stored without \(errors.count == 1 ? "this cell" : "these cells"): " + reason(errors)
    }

    /// The first line of the import's report (rejected rows, and rows stored without some cells).
    public static let reportHeader = "line,external_id,reason\r\n"
}
