import FastCGI
import Foundation
import GRDB

/// Contact-list audience segments (partners.md §6.3): search (paged by `limit`/`offset`), create (names unique
/// per advertiser, at most 1,000 per advertiser), delete.
enum CriteoSegments {
    static func json(_ row: Row, _ db: Database) throws -> JSON {
        let id: Int64 = row["id"]
        let created = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: row["created_at"]))
        let updated = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: row["updated_at"]))
        return .object([("id", .string(String(id))), ("type", .string("AudienceSegment")), ("attributes", .object([
            ("name", .string(row["name"])), ("description", .string(row["description"])), ("type", .string("ContactList")),
            ("advertiserId", .string(row["advertiser_id"])), ("createdAt", .string(created)), ("updatedAt", .string(updated)),
            ("channels", .array([.string("Onsite")])), ("contactList", .object([("isReadOnly", .bool(false))])),
        ]))])
    }

    /// `POST audience-segments/search?limit=&offset=` `{"data":{"attributes":{"audienceSegmentTypes":["ContactList"],"advertiserIds":[…]}}}`.
    static func search(_ call: inout CriteoCall) throws -> JSON {
        let q = call.request.query
        let limit = Int(q["limit"] ?? "100") ?? -1, offset = Int(q["offset"] ?? "0") ?? -1
        guard (1...100).contains(limit), offset >= 0 else { throw CriteoError.invalid("limit must be from 1 to 100 and offset zero or more.") }
        let attributes = try call.body()["data"]?["attributes"]
        guard let ids = attributes?["advertiserIds"]?.arrayValue?.compactMap(\.stringValue), !ids.isEmpty else {
            throw CriteoError.invalid("data.attributes.advertiserIds is required.")
        }
        if let types = attributes?["audienceSegmentTypes"]?.arrayValue?.compactMap(\.stringValue), !types.contains("ContactList") {
            return .object([("data", .array([])), ("meta", .object([("totalItems", .int(0)), ("limit", .int(limit)), ("offset", .int(offset))]))])
        }
        for id in ids { try CriteoAPI.advertiser(id, &call) }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let total = try Int.fetchOne(call.db, sql: "SELECT COUNT(*) FROM criteo_segments WHERE deleted = 0 AND advertiser_id IN (\(marks))",
                                     arguments: StatementArguments(ids)) ?? 0
        let rows = try Row.fetchAll(call.db, sql: "SELECT * FROM criteo_segments WHERE deleted = 0 AND advertiser_id IN (\(marks)) ORDER BY id LIMIT ? OFFSET ?",
                                    arguments: StatementArguments(ids) + [limit, offset])
        return .object([("data", .array(try rows.map { try json($0, call.db) })),
                        ("meta", .object([("totalItems", .int(total)), ("limit", .int(limit)), ("offset", .int(offset))]))])
    }

    /// `POST audience-segments/create` `{"data":[{"attributes":{"advertiserId","name","description","contactList":{}}}]}`.
    static func create(_ call: inout CriteoCall) throws -> JSON {
        guard let items = try call.body()["data"]?.arrayValue, !items.isEmpty else { throw CriteoError.invalid("data must be a non-empty array.") }
        var created: [JSON] = []
        for item in items {
            let a = item["attributes"]
            guard let advertiser = a?["advertiserId"]?.plainText, !advertiser.isEmpty, advertiser.allSatisfy(\.isNumber) else {
                throw CriteoError.invalid("attributes.advertiserId must be a numeric advertiser id.")
            }
            guard let name = a?["name"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CriteoError.invalid("attributes.name is required.") }
            guard a?["contactList"]?.isObject == true else {
                throw CriteoError.invalid("attributes.contactList is required (only contact-list segments are emulated).")
            }
            try CriteoAPI.advertiser(advertiser, &call)
            try CriteoAPI.requireActive(advertiser, call)
            let same = try Int.fetchOne(call.db, sql: "SELECT COUNT(*) FROM criteo_segments WHERE advertiser_id = ? AND name = ? AND deleted = 0",
                                        arguments: [advertiser, name]) ?? 0
            guard same == 0 else { throw CriteoError.nameNotUnique(name) }
            let live = try Int.fetchOne(call.db, sql: "SELECT COUNT(*) FROM criteo_segments WHERE advertiser_id = ? AND deleted = 0", arguments: [advertiser]) ?? 0
            guard live < CriteoSchema.segmentCap else { throw CriteoError.capReached }
            let id = max(CriteoSchema.firstSegmentID, (try Int64.fetchOne(call.db, sql: "SELECT MAX(id) FROM criteo_segments") ?? 0) + 1)
            let t = call.now.timeIntervalSince1970
            try call.db.execute(sql: """
                INSERT INTO criteo_segments (id, advertiser_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, advertiser, name, a?["description"]?.stringValue ?? "", t, t])
            if let row = try Row.fetchOne(call.db, sql: "SELECT * FROM criteo_segments WHERE id = ?", arguments: [id]) { created.append(try json(row, call.db)) }
        }
        return .object([("data", .array(created)), ("errors", .array([])), ("warnings", .array([]))])
    }

    /// `POST audience-segments/delete` `{"data":[{"id":"…"}]}` [I: partners.md §6.3].
    static func delete(_ call: inout CriteoCall) throws -> JSON {
        guard let items = try call.body()["data"]?.arrayValue, !items.isEmpty else { throw CriteoError.invalid("data must be a non-empty array.") }
        var deleted: [JSON] = []
        for item in items {
            let idText = item["id"]?.plainText ?? ""
            let row = try find(idText, &call)
            try call.db.execute(sql: "UPDATE criteo_segments SET deleted = 1, updated_at = ? WHERE id = ?", arguments: [call.now.timeIntervalSince1970, row["id"] as Int64])
            deleted.append(.object([("id", .string(idText)), ("type", .string("AudienceSegment"))]))
        }
        return .object([("data", .array(deleted)), ("errors", .array([])), ("warnings", .array([]))])
    }

    /// A live segment whose advertiser the consent covers; unknown or deleted → 404 `audience-invalid`.
    static func find(_ idText: String, _ call: inout CriteoCall) throws -> Row {
        guard let id = Int64(idText), let row = try Row.fetchOne(call.db, sql: "SELECT * FROM criteo_segments WHERE id = ? AND deleted = 0", arguments: [id])
        else { throw CriteoError.audienceInvalid(idText) }
        try CriteoAPI.advertiser(row["advertiser_id"], &call)
        return row
    }
}
