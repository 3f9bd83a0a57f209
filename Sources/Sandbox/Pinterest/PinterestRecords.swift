import FastCGI
import Foundation
import GRDB

/// `PATCH customer_lists/{id}` `{"operation_type":"ADD"|"REMOVE","records":"…,…"}` (partners.md §4.3–4.4).
///
/// `records` is ONE comma-separated string. Each record must be a lower-case email, or a lower-case MD5, SHA-1 or
/// SHA-256 hex value ("Emails must be lowercase"; "MAIDs and IDFAs must be hashed"): an upper-case value, a
/// plain value that is not an email, or an empty record is refused with 400. Counters follow the spec:
/// uploads count even when the user is already in the list, removals even when not found.
enum PinterestRecords {
    static func change(_ list: Row, _ call: PinCall) throws -> JSON {
        let body = try call.body()
        let add: Bool
        switch body["operation_type"]?.stringValue {
        case "ADD": add = true
        case "REMOVE": add = false
        case nil: throw PinError.invalid("operation_type is required")
        case let other?: throw PinError.invalid("operation_type must be ADD or REMOVE, not \(other)")
        }
        guard let text = body["records"]?.stringValue else { throw PinError.invalid("records is required (one comma-separated string)") }
        let records = try parse(text, max: call.config.maxRecords)
        let id: Int64 = list["id"]
        try apply(listID: id, add: add, records, call)
        return try PinterestLists.customerListJSON(try PinterestLists.findList(String(id), account: list["ad_account_id"], call), call)
    }

    /// The records of a `records` string, or why Pinterest refuses it.
    static func parse(_ text: String, max: Int) throws(PinError) -> [String] {
        guard !text.isEmpty else { throw .invalid("records must not be empty") }
        let records = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard records.count <= max else { throw .invalid("at most \(max) records per request") }
        for (index, record) in records.enumerated() {
            guard !record.isEmpty else { throw .invalid("record \(index) is empty") }
            guard record == record.lowercased() else { throw .invalid("record \(index): emails and hashes must be lowercase") }
            guard isHash(record) || isEmail(record) else {
                throw .invalid("record \(index) is neither an email nor an MD5, SHA1 or SHA256 hash (MAIDs and IDFAs must be hashed)")
            }
        }
        return records
    }

    static func isHash(_ value: String) -> Bool {
        [32, 40, 64].contains(value.utf8.count) && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func isEmail(_ value: String) -> Bool {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !value.contains(where: \.isWhitespace)
    }

    static func apply(listID: Int64, add: Bool, _ records: [String], _ call: PinCall) throws {
        for record in records {
            let sql = add ? "INSERT OR IGNORE INTO pin_members (list_id, record) VALUES (?, ?)" : "DELETE FROM pin_members WHERE list_id = ? AND record = ?"
            try call.db.execute(sql: sql, arguments: [listID, record])
        }
        try call.db.execute(sql: """
            UPDATE pin_customer_lists SET num_batches = num_batches + 1, num_uploaded = num_uploaded + ?, num_removed = num_removed + ?, updated_at = ?
            WHERE id = ?
            """, arguments: [add ? records.count : 0, add ? 0 : records.count, call.now.timeIntervalSince1970, listID])
    }
}
