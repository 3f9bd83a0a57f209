import Foundation
import GRDB

/// DMP segments: find by account, create, read, delete (partners.md §7.3). A new segment is BUILDING for
/// `segment_ready_seconds` (5 by default: "wait 5 seconds for it to become available before adding users").
enum LinkedInSegments {
    static let scope = ["rw_dmp_segments"]

    static func json(_ row: Row, db: Database, now: Date) throws -> JSON {
        let id: Int64 = row["id"]
        let account: Int64 = row["account_id"]
        let readyAt: Double = row["ready_at"]
        let created: Double = row["created_at"]
        let status = now.timeIntervalSince1970 < readyAt ? "BUILDING" : "READY"
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM li_segment_members WHERE segment_id = ?", arguments: [id]) ?? 0
        return .object([
            ("id", .int(Int(id))), ("name", .string(row["name"])), ("account", .string("urn:li:sponsoredAccount:\(account)")),
            ("type", .string(row["type"])), ("sourcePlatform", .string(row["source_platform"])),
            ("sourceSegmentId", .string(row["source_segment_id"])), ("status", .string(status)),
            ("destinations", .array([.object([("destination", .string("LINKEDIN")), ("status", .string(status))])])),
            ("matchedCount", .int(count)), ("created", .int(Int(created * 1000))),
        ])
    }

    /// The live segment with this id, or 404.
    static func find(_ db: Database, id: String) throws -> Row {
        guard let number = Int64(id), let row = try Row.fetchOne(db, sql: "SELECT * FROM li_segments WHERE id = ? AND deleted = 0",
                                                                  arguments: [number]) else {
            throw LinkedInError.notFound("DmpSegment urn:li:dmpSegment:\(id)")
        }
        return row
    }

    /// `GET /dmpSegments?q=account&account=urn:li:sponsoredAccount:{id}[&sourceSegmentId=…]`.
    static func list(_ call: LinkedInCall, _ db: Database, notes: inout RequestNotes) throws -> LinkedInAnswer {
        try call.require(anyOf: scope, for: "dmpSegments")
        guard call.request.query["q"] == "account", let account = LinkedInAccounts.accountID(fromURN: call.request.query["account"]) else {
            throw LinkedInError.invalid("Finder q=account needs account=urn:li:sponsoredAccount:{id}")
        }
        notes.adAccount = String(account)
        _ = try LinkedInAccounts.role(db, member: call.token.memberID, account: account)
        var sql = "SELECT * FROM li_segments WHERE account_id = ? AND deleted = 0"
        var arguments: [any DatabaseValueConvertible] = [account]
        if let source = call.request.query["sourceSegmentId"] { sql += " AND source_segment_id = ?"; arguments.append(source) }
        let rows = try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(arguments))
        let elements = try rows.map { try json($0, db: db, now: call.now) }
        let paging = call.paging
        return .ok(LinkedInAPI.page(elements, start: paging.start, count: paging.count))
    }

    /// `POST /dmpSegments`: 201 with the id in `x-linkedin-id` and `x-restli-id`.
    static func create(_ call: LinkedInCall, _ db: Database, notes: inout RequestNotes) throws -> LinkedInAnswer {
        try call.require(anyOf: scope, for: "dmpSegments")
        guard call.request.contentType == "application/json", let body = JSON.parse(call.request.body), body.isObject else {
            throw LinkedInError.invalid("The request body must be a JSON object")
        }
        guard let account = LinkedInAccounts.accountID(fromURN: body["account"]?.stringValue) else {
            throw LinkedInError(422, "UNPROCESSABLE_ENTITY", 100, "/account: must be urn:li:sponsoredAccount:{id}")
        }
        notes.adAccount = String(account)
        try LinkedInAccounts.requireManager(db, member: call.token.memberID, account: account)
        guard let name = body["name"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LinkedInError(422, "UNPROCESSABLE_ENTITY", 100, "/name: field is required")
        }
        guard let type = body["type"]?.stringValue, ["USER", "COMPANY"].contains(type) else {
            throw LinkedInError(422, "UNPROCESSABLE_ENTITY", 100, "/type: must be USER or COMPANY")
        }
        guard let platform = body["sourcePlatform"]?.stringValue, !platform.isEmpty else {
            throw LinkedInError(422, "UNPROCESSABLE_ENTITY", 100, "/sourcePlatform: field is required")
        }
        let destinations = body["destinations"]?.arrayValue ?? []
        guard destinations.contains(where: { $0["destination"]?.stringValue == "LINKEDIN" }) else {
            throw LinkedInError(422, "UNPROCESSABLE_ENTITY", 100, "/destinations: must include {\"destination\":\"LINKEDIN\"}")
        }
        let source = body["sourceSegmentId"]?.stringValue ?? ""
        let id = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM li_segments") ?? LinkedInSchema.seedSegmentID) + 1
        let at = call.now.timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO li_segments (id, account_id, name, type, source_platform, source_segment_id, created_at, ready_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, account, name, type, platform, source, at, at + call.config.segmentReadySeconds])
        return LinkedInAnswer(status: 201, json: nil, headers: [("x-linkedin-id", String(id)), ("x-restli-id", String(id))])
    }

    /// `GET /dmpSegments/{id}`.
    static func read(_ call: LinkedInCall, _ db: Database, id: String, notes: inout RequestNotes) throws -> LinkedInAnswer {
        try call.require(anyOf: scope, for: "dmpSegments")
        let row = try find(db, id: id)
        let account: Int64 = row["account_id"]
        notes.adAccount = String(account)
        _ = try LinkedInAccounts.role(db, member: call.token.memberID, account: account)
        return .ok(try json(row, db: db, now: call.now))
    }

    /// `DELETE /dmpSegments/{id}`: 204.
    static func delete(_ call: LinkedInCall, _ db: Database, id: String, notes: inout RequestNotes) throws -> LinkedInAnswer {
        try call.require(anyOf: scope, for: "dmpSegments")
        let row = try find(db, id: id)
        let account: Int64 = row["account_id"]
        notes.adAccount = String(account)
        try LinkedInAccounts.requireManager(db, member: call.token.memberID, account: account)
        try db.execute(sql: "UPDATE li_segments SET deleted = 1 WHERE id = ?", arguments: [row["id"] as Int64])
        return LinkedInAnswer(status: 204)
    }
}
