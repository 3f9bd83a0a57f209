import Foundation
import GRDB

/// `POST /dmpSegments/{id}/users` with `X-RestLi-Method: BATCH_CREATE` (partners.md §7.4): elements of
/// `{"action":"ADD"|"REMOVE","userIds":[{"idType","idValue"}]}`, at most 5,000 per call, answered with one status per
/// element. Every accepted id is stored per segment so tests can see exactly what arrived.
enum LinkedInUsers {
    /// rudder's `MAX_BATCH_SIZE` (§7.4); the emulator refuses larger batches [I: LinkedIn's own limit is not public].
    static let maxElements = 5_000

    static func batch(_ call: LinkedInCall, _ db: Database, id: String, notes: inout RequestNotes) throws -> LinkedInAnswer {
        try call.require(anyOf: LinkedInSegments.scope, for: "dmpSegments")
        guard call.request.header("x-restli-method")?.uppercased() == "BATCH_CREATE" else {
            throw LinkedInError.invalid("This resource takes X-RestLi-Method: BATCH_CREATE")
        }
        let row = try LinkedInSegments.find(db, id: id)
        let segment: Int64 = row["id"]
        let account: Int64 = row["account_id"]
        notes.adAccount = String(account)
        try LinkedInAccounts.requireManager(db, member: call.token.memberID, account: account)
        if call.now.timeIntervalSince1970 < (row["ready_at"] as Double) {
            // Still BUILDING: LinkedIn does not know the segment's users resource yet (seg retries these 404s).
            try db.execute(sql: "UPDATE li_segments SET not_ready_refusals = not_ready_refusals + 1 WHERE id = ?", arguments: [segment])
            return .failed(LinkedInError(404, "NOT_FOUND", nil, "DmpSegment urn:li:dmpSegment:\(segment) is not available yet; status BUILDING"))
        }
        guard (row["type"] as String) == "USER" else { throw LinkedInError.invalid("Segment \(segment) is a COMPANY segment; use /companies") }
        guard call.request.contentType == "application/json", let body = JSON.parse(call.request.body),
              let elements = body["elements"]?.arrayValue else {
            throw LinkedInError.invalid("The request body must be {\"elements\":[…]}")
        }
        guard (1...maxElements).contains(elements.count) else {
            throw LinkedInError.invalid("A batch carries 1 to \(maxElements) elements; got \(elements.count)")
        }
        var statuses: [JSON] = []
        var rejected = 0
        var actions: Set<String> = []
        for element in elements {
            if let problem = problem(element) {
                rejected += 1
                statuses.append(.object([("status", .int(400)), ("error", .object([("status", .int(400)), ("code", .string("ILLEGAL_ARGUMENT")),
                                                                                     ("message", .string(problem))]))]))
                continue
            }
            let action = element["action"]?.stringValue ?? ""
            actions.insert(action)
            for user in element["userIds"]?.arrayValue ?? [] {
                let type = user["idType"]?.stringValue ?? "", value = user["idValue"]?.stringValue ?? ""
                if action == "ADD" {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO li_segment_members (segment_id, id_type, id_value, added_at) VALUES (?, ?, ?, ?)
                        """, arguments: [segment, type, value, call.now.timeIntervalSince1970])
                } else {
                    try db.execute(sql: "DELETE FROM li_segment_members WHERE segment_id = ? AND id_type = ? AND id_value = ?",
                                   arguments: [segment, type, value])
                }
            }
            statuses.append(.object([("status", .int(201))]))
        }
        try db.execute(sql: """
            UPDATE li_segments SET add_requests = add_requests + ?, remove_requests = remove_requests + ?,
                rejected_elements = rejected_elements + ? WHERE id = ?
            """, arguments: [actions.contains("ADD") ? 1 : 0, actions.contains("REMOVE") ? 1 : 0, rejected, segment])
        return .ok(.object([("elements", .array(statuses))]))
    }

    /// Why LinkedIn would refuse one element, or nil: the action, and every id's type and shape (SHA-256 as 64
    /// lower-hex, SHA-512 as 128, a GAID in clear).
    static func problem(_ element: JSON) -> String? {
        guard let action = element["action"]?.stringValue, ["ADD", "REMOVE"].contains(action) else { return "/action: must be ADD or REMOVE" }
        guard let ids = element["userIds"]?.arrayValue, !ids.isEmpty else { return "/userIds: at least one user id is required" }
        for id in ids {
            let value = id["idValue"]?.stringValue ?? ""
            switch id["idType"]?.stringValue {
            case "SHA256_EMAIL": if !isLowerHex(value, count: 64) { return "/userIds/idValue: SHA256_EMAIL must be a lower-case SHA-256 hex digest" }
            case "SHA512_EMAIL": if !isLowerHex(value, count: 128) { return "/userIds/idValue: SHA512_EMAIL must be a lower-case SHA-512 hex digest" }
            case "GOOGLE_AID": if !isAdvertisingID(value) { return "/userIds/idValue: GOOGLE_AID must be a Google advertising id in clear" }
            default: return "/userIds/idType: must be SHA256_EMAIL, SHA512_EMAIL or GOOGLE_AID"
            }
        }
        return nil
    }

    static func isLowerHex(_ value: String, count: Int) -> Bool {
        value.utf8.count == count && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A GAID is a UUID (8-4-4-4-12 hex); a 64-hex value is a hash, which LinkedIn cannot match.
    static func isAdvertisingID(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [8, 4, 4, 4, 12] && parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
