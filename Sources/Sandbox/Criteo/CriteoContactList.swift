import FastCGI
import Foundation
import GRDB

/// `PATCH audience-segments/{id}/contact-list` (partners.md §6.4):
/// `{"data":{"type":"ContactlistAmendment","attributes":{"operation":"add"|"remove","identifierType":"email"|…,"identifiers":[…]}}}`.
///
/// The envelope is checked strictly (400 on a wrong type, operation, identifier type, or more than
/// `max_identifiers`); single identifiers Criteo cannot read are not an error but are counted in
/// `nbInvalidIdentifiers` and sampled, as Criteo's result does. An email is valid plain or as a lower-case
/// SHA-256 hex value; a `madid` must look like an IDFA/GAID (a UUID) [I].
enum CriteoContactList {
    static let identifierTypes: Set<String> = ["email", "madid", "identityLink", "gum", "customerid"]

    static func amend(_ idText: String, _ call: inout CriteoCall) throws -> JSON {
        let segment = try CriteoSegments.find(idText, &call)
        try CriteoAPI.requireActive(segment["advertiser_id"], call)
        let data = try call.body()["data"]
        guard data?["type"]?.stringValue == "ContactlistAmendment" else { throw CriteoError.invalid("data.type must be ContactlistAmendment.") }
        let a = data?["attributes"]
        guard let operation = a?["operation"]?.stringValue, ["add", "remove"].contains(operation) else {
            throw CriteoError.invalid("attributes.operation must be add or remove.")
        }
        guard let type = a?["identifierType"]?.stringValue, identifierTypes.contains(type) else {
            throw CriteoError.invalid("attributes.identifierType must be one of email, madid, identityLink, gum, customerid.")
        }
        if type == "customerid" { throw CriteoError.invalid("identifierType customerid is for Retail Media only.") }
        if type == "gum", a?["gumCallerId"] == nil { throw CriteoError.invalid("identifierType gum requires gumCallerId.") }
        guard let list = a?["identifiers"]?.arrayValue, !list.isEmpty else { throw CriteoError.invalid("attributes.identifiers must be a non-empty array.") }
        guard list.count <= call.config.maxIdentifiers else { throw CriteoError.invalid("At most \(call.config.maxIdentifiers) identifiers per call.") }
        var valid: [String] = [], invalid: [String] = []
        for item in list {
            guard let value = item.stringValue, isValid(value, type: type) else { invalid.append(item.plainText); continue }
            valid.append(value)
        }
        let id: Int64 = segment["id"]
        for value in valid {
            let sql = operation == "add"
                ? "INSERT OR IGNORE INTO criteo_members (segment_id, identifier_type, identifier) VALUES (?, ?, ?)"
                : "DELETE FROM criteo_members WHERE segment_id = ? AND identifier_type = ? AND identifier = ?"
            try call.db.execute(sql: sql, arguments: [id, type, value])
        }
        try call.db.execute(sql: "UPDATE criteo_segments SET amendments = amendments + 1, adds = adds + ?, removes = removes + ?, updated_at = ? WHERE id = ?",
                            arguments: [operation == "add" ? valid.count : 0, operation == "add" ? 0 : valid.count, call.now.timeIntervalSince1970, id])
        return .object([
            ("data", .object([("type", .string("ContactlistAmendmentResult")), ("attributes", .object([
                ("contactListId", .int(Int(id))), ("operation", .string(operation)),
                ("requestDate", .string(ISO8601DateFormatter().string(from: call.now))), ("identifierType", .string(type)),
                ("nbValidIdentifiers", .int(valid.count)), ("nbInvalidIdentifiers", .int(invalid.count)),
                ("sampleInvalidIdentifiers", .array(invalid.prefix(10).map(JSON.string))),
            ]))])),
            ("errors", .array([])), ("warnings", .array([])),
        ])
    }

    static func isValid(_ value: String, type: String) -> Bool {
        guard !value.isEmpty, !value.contains(where: \.isWhitespace) else { return false }
        switch type {
        case "email":
            let hex = value.utf8.count == 64 && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            return hex || (parts.count == 2 && !parts[0].isEmpty && parts[1].contains("."))
        case "madid":
            return UUID(uuidString: value) != nil
        default:
            return true
        }
    }
}
