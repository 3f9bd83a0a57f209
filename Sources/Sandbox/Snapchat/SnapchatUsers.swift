import FastCGI
import Foundation
import GRDB

/// `POST|DELETE /segments/{id}/users` (partners.md §5.4): exactly one schema per request, rows of one SHA-256
/// lower-hex value, no duplicates within a request, at most 100,000 identifiers.
enum SnapchatUsers {
    static let schemas: Set<String> = ["EMAIL_SHA256", "PHONE_SHA256", "MOBILE_AD_ID_SHA256"]
    static let maxIdentifiers = 100_000

    static func change(_ segment: Row, remove: Bool, _ call: inout SnapCall) throws -> JSON {
        let segmentID: Int64 = segment["id"]
        let (schema, hashes) = try parse(call.body(), segmentID: segmentID)
        for hash in hashes {
            if remove {
                try call.db.execute(sql: "DELETE FROM snap_members WHERE segment_id = ? AND schema = ? AND hash = ?", arguments: [segmentID, schema, hash])
            } else {
                try call.db.execute(sql: "INSERT OR IGNORE INTO snap_members (segment_id, schema, hash) VALUES (?, ?, ?)", arguments: [segmentID, schema, hash])
            }
        }
        try call.db.execute(sql: "UPDATE snap_segments SET uploads = uploads + 1, rows_added = rows_added + ?, rows_removed = rows_removed + ? WHERE id = ?",
                            arguments: [remove ? 0 : hashes.count, remove ? hashes.count : 0, segmentID])
        return .object([
            ("request_status", .string("SUCCESS")), ("request_id", .string(SnapIDs.requestID())),
            ("users", .array([.object([("sub_request_status", .string("SUCCESS")),
                                       ("user", .object([("number_uploaded_users", .int(hashes.count))]))])])),
        ])
    }

    /// The one schema and its hashes, or the reason Snap refuses the payload.
    static func parse(_ body: JSON, segmentID: Int64) throws(SnapError) -> (String, [String]) {
        guard let users = body["users"]?.arrayValue, users.count == 1, let entry = users.first else {
            throw .invalid("users must hold exactly one entry")
        }
        if let id = entry["id"], id.plainText != String(segmentID) { throw .invalid("users[0].id does not match the segment") }
        guard let schemaList = entry["schema"]?.arrayValue, schemaList.count == 1, let schema = schemaList[0].stringValue, schemas.contains(schema) else {
            throw .invalid("schema must be exactly one of EMAIL_SHA256, PHONE_SHA256, MOBILE_AD_ID_SHA256")
        }
        guard let data = entry["data"]?.arrayValue, !data.isEmpty else { throw .invalid("data must be a non-empty array") }
        guard data.count <= maxIdentifiers else { throw .invalid("at most \(maxIdentifiers) identifiers per request") }
        var hashes: [String] = []
        var seen = Set<String>()
        for (index, row) in data.enumerated() {
            guard let values = row.arrayValue, values.count == 1, let hash = values[0].stringValue else {
                throw .invalid("data[\(index)] must be an array of one value matching the schema")
            }
            guard hash.utf8.count == 64, hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw .invalid("data[\(index)] is not a SHA-256 lower-case hex value")
            }
            guard seen.insert(hash).inserted else { throw .invalid("data[\(index)] duplicates an identifier of the same request") }
            hashes.append(hash)
        }
        return (schema, hashes)
    }
}
