import Core
import Foundation
import GRDB

/// Entry criteria as one SQL condition over the `profile` table (alias `p`), so a segment's size and sample on
/// a million profiles are one indexed scan in SQLite rather than a million JSON parses in Swift.
///
/// It must agree exactly with `EntryCriteria.matches` (CriteriaEvaluation.swift), which decides who enters a
/// canvas; `CriteriaSQLTests` checks the two against each other on generated profiles. The JSON type of each
/// attribute decides, as there: `json_type` tells text from numbers and booleans. Text compares through
/// `as_lower` (Swift's `lowercased()`, registered on every connection) because SQLite's `lower()` only knows
/// ASCII; dates through `as_is_date` (`FilterValueParsing.isDate`).
struct CriteriaSQL {
    /// The moment activity windows end at (`ActivityFacts.now` in Swift).
    let now: Date
    private(set) var sql = ""
    private(set) var arguments: [(any DatabaseValueConvertible)?] = []

    /// The condition for `criteria`: the AND of its groups, each the OR of its filters; `1` for everyone.
    /// Segment filters are false here (segments never contain them; see `segmentProblems()`). Activity filters
    /// count back from `now`.
    static func condition(_ criteria: EntryCriteria, now: Date) -> (sql: String, arguments: StatementArguments) {
        var built = CriteriaSQL(now: now)
        built.sql = criteria.groups.isEmpty ? "1" : ""
        for (g, group) in criteria.groups.enumerated() {
            built.sql += g == 0 ? "(" : " AND ("
            if group.isEmpty { built.sql += "0" }
            for (f, filter) in group.enumerated() {
                if f > 0 { built.sql += " OR " }
                built.sql += "("
                built.append(filter)
                built.sql += ")"
            }
            built.sql += ")"
        }
        return (built.sql, StatementArguments(built.arguments))
    }

    /// Where one attribute's JSON type and value come from.
    private struct Source {
        let type: String
        let value: String
        let arguments: [(any DatabaseValueConvertible)?]
        /// The table of its array elements (`json_each`), for "contains".
        let elements: String

        /// The attribute `name` of `p.attributes`; `external_id` is the profile's column, as canvases see it.
        static func attribute(_ name: String) -> Source {
            if name == "external_id" {
                return Source(type: "'text'", value: "p.external_id", arguments: [], elements: "json_each('[]')")
            }
            // A JSON path cannot quote `"` or `\`; such names are looked up key by key instead.
            if name.contains(where: { $0 == "\"" || $0 == "\\" || $0.asciiValue.map { $0 < 32 } == true }) {
                return Source(type: "(SELECT type FROM json_each(p.attributes) WHERE key = ?)",
                              value: "(SELECT value FROM json_each(p.attributes) WHERE key = ?)", arguments: [name],
                              elements: "json_each((SELECT json_quote(value) FROM json_each(p.attributes) WHERE key = ? AND type = 'array'))")
            }
            return Source(type: "json_type(p.attributes, ?)", value: "json_extract(p.attributes, ?)", arguments: ["$.\"\(name)\""],
                          elements: "json_each(p.attributes, ?)")
        }

        /// One element of an array (inside `EXISTS (SELECT 1 FROM … AS e WHERE …)`).
        static var element: Source { Source(type: "e.type", value: "e.value", arguments: [], elements: "json_each('[]')") }
    }

    private mutating func emit(_ fragment: String, _ source: Source, times: Int) {
        sql += fragment
        for _ in 0..<times { arguments += source.arguments }
    }

    private mutating func append(_ filter: AttributeFilter) {
        let source = Source.attribute(filter.attribute)
        let text = filter.value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        switch filter.op {
        case .exists: present(source)
        case .notExists: sql += "NOT ("; present(source); sql += ")"
        case .isTrue: emit("coalesce(\(source.type), '') = 'true'", source, times: 1)
        case .isFalse: emit("coalesce(\(source.type), '') = 'false'", source, times: 1)
        case .equals: text.isEmpty ? (sql += "0") : equals(source, text, arrays: true)
        case .notEquals:
            guard !text.isEmpty else { sql += "0"; return }
            present(source); sql += " AND NOT ("; equals(source, text, arrays: true); sql += ")"
        case .greaterThan, .lessThan: text.isEmpty ? (sql += "0") : compare(source, text, greater: filter.op == .greaterThan)
        case .inSegment, .notInSegment: sql += "0"
        case .performedEvent, .notPerformedEvent, .purchasedProduct, .madePurchase: activity(filter)
        }
    }

    /// An activity filter as an `EXISTS` over the `(profile_id, name, time)` / `(profile_id, product_id, time)`
    /// indexes; `=` on text compares bytes, as `ActivityFacts` compares scalars.
    private mutating func activity(_ filter: AttributeFilter) {
        guard let start = filter.windowStart(now: now) else { sql += "0"; return }
        switch filter.op {
        case .performedEvent, .notPerformedEvent:
            if filter.op == .notPerformedEvent { sql += "NOT " }
            sql += "EXISTS (SELECT 1 FROM profile_event AS ev WHERE ev.profile_id = p.id AND ev.name = ? AND ev.time >= ?)"
            arguments += [filter.attribute, start]
        case .purchasedProduct:
            sql += "EXISTS (SELECT 1 FROM profile_purchase AS pu WHERE pu.profile_id = p.id AND pu.product_id = ? AND pu.time >= ?)"
            arguments += [filter.attribute, start]
        case .madePurchase:
            sql += "EXISTS (SELECT 1 FROM profile_purchase AS pu WHERE pu.profile_id = p.id AND pu.time >= ?)"
            arguments += [start]
        case .equals, .notEquals, .isTrue, .isFalse, .exists, .notExists, .greaterThan, .lessThan, .inSegment, .notInSegment:
            sql += "0"
        }
    }

    /// Present: not missing and not null (JSON `null` counts as missing; so do objects, which profiles never hold
    /// and `ProfileValue` reads as null).
    private mutating func present(_ source: Source) {
        emit("coalesce(\(source.type), 'null') NOT IN ('null', 'object')", source, times: 1)
    }

    /// `equals` as CriteriaEvaluation defines it, one branch per JSON type the value can be read as.
    private mutating func equals(_ source: Source, _ text: String, arrays: Bool) {
        sql += "(("
        emit("\(source.type) = 'text' AND as_lower(\(source.value)) = ?", source, times: 2)
        arguments.append(text.lowercased())
        sql += ")"
        if let number = FilterValueParsing.number(text) {
            sql += " OR ("
            emit("\(source.type) IN ('integer', 'real') AND \(source.value) = ?", source, times: 2)
            arguments.append(number)
            sql += ")"
        }
        if ["true", "false"].contains(text.lowercased()) {
            sql += " OR ("
            emit("\(source.type) = ?", source, times: 1)
            arguments.append(text.lowercased())
            sql += ")"
        }
        if arrays {
            sql += " OR ("
            emit("\(source.type) = 'array' AND EXISTS (SELECT 1 FROM \(source.elements) AS e WHERE ", source, times: 2)
            equals(.element, text, arrays: false)
            sql += ")"
            sql += ")"
        }
        sql += ")"
    }

    /// `greater_than` / `less_than`: numbers numerically, `YYYY-MM-DD` text by date, nothing else.
    private mutating func compare(_ source: Source, _ text: String, greater: Bool) {
        let op = greater ? ">" : "<"
        var branches: [String] = []
        if let number = FilterValueParsing.number(text) {
            sql += "("
            emit("\(source.type) IN ('integer', 'real') AND \(source.value) \(op) ?", source, times: 2)
            arguments.append(number)
            sql += ")"
            branches.append("number")
        }
        if FilterValueParsing.isDate(text) {
            if !branches.isEmpty { sql += " OR " }
            sql += "("
            emit("\(source.type) = 'text' AND as_is_date(\(source.value)) AND \(source.value) \(op) ?", source, times: 3)
            arguments.append(text)
            sql += ")"
            branches.append("date")
        }
        if branches.isEmpty { sql += "0" }
    }
}

extension Store {
    /// The SQL functions `CriteriaSQL` relies on, added to every connection.
    static func addCriteriaFunctions(_ db: Database) {
        db.add(function: DatabaseFunction("as_lower", argumentCount: 1, pure: true) { values in
            String.fromDatabaseValue(values[0])?.lowercased()
        })
        db.add(function: DatabaseFunction("as_is_date", argumentCount: 1, pure: true) { values in
            String.fromDatabaseValue(values[0]).map(FilterValueParsing.isDate) ?? false
        })
    }
}
