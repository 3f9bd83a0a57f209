import FastCGI
import Foundation
import GRDB

/// Segments: list (paged by `cursor`), create (first-party only, cap 1,000 per account), read, delete.
enum SnapchatSegments {
    static func envelope(_ segments: [JSON], paging: JSON? = nil) -> JSON {
        var members: [(String, JSON)] = [("request_status", .string("SUCCESS")), ("request_id", .string(SnapIDs.requestID()))]
        if let paging { members.append(("paging", paging)) }
        members.append(("segments", .array(segments.map { .object([("sub_request_status", .string("SUCCESS")), ("segment", $0)]) })))
        return .object(members)
    }

    /// A live segment by id, after the account checks; deleted or unknown → 404.
    static func find(_ idText: String, _ call: inout SnapCall) throws -> Row {
        guard let id = Int64(idText), let row = try Row.fetchOne(call.db, sql: "SELECT * FROM snap_segments WHERE id = ? AND deleted = 0", arguments: [id])
        else { throw SnapError.notFound("Segment \(idText)") }
        try SnapchatAPI.account(row["ad_account_id"], &call)
        try call.db.execute(sql: "UPDATE snap_segments SET requests = requests + 1 WHERE id = ?", arguments: [id])
        return row
    }

    static func json(_ row: Row, _ call: SnapCall) -> JSON {
        let id: Int64 = row["id"]
        let count = (try? Int.fetchOne(call.db, sql: "SELECT COUNT(*) FROM snap_members WHERE segment_id = ?", arguments: [id])) ?? 0
        let uploads: Int = row["uploads"]
        let targetable = uploads == 0 ? "NOT_READY" : (count >= call.config.minTargetable ? "READY" : "TOO_FEW_USERS")
        return .object([
            ("id", .string(String(id))), ("ad_account_id", .string(row["ad_account_id"])), ("name", .string(row["name"])),
            ("description", .string(row["description"])), ("status", .string("ACTIVE")), ("source_type", .string(row["source_type"])),
            ("retention_in_days", .int(row["retention_in_days"])), ("approximate_number_users", .int(count)),
            ("upload_status", .string(uploads == 0 ? "NO_UPLOAD" : "COMPLETE")), ("targetable_status", .string(targetable)),
        ])
    }

    /// `GET /adaccounts/{id}/segments?limit=1..1000&cursor=`. A page holds at most `segment_page_size` segments
    /// (the config knob, 1,000 by default) whatever the limit asked, so clients must follow `paging.next_link`.
    static func list(_ account: String, _ call: SnapCall) throws -> JSON {
        let asked = try call.request.query["limit"].map { text throws(SnapError) -> Int in
            guard let n = Int(text), (1...1000).contains(n) else { throw .invalid("limit must be from 1 to 1000") }
            return n
        } ?? 1000
        let limit = max(1, min(asked, call.config.segmentPageSize))
        let after = Int64(call.request.query["cursor"] ?? "") ?? 0
        let rows = try Row.fetchAll(call.db, sql: "SELECT * FROM snap_segments WHERE ad_account_id = ? AND deleted = 0 AND id > ? ORDER BY id LIMIT ?",
                                    arguments: [account, after, limit + 1])
        let page = Array(rows.prefix(limit))
        var paging: JSON?
        if rows.count > limit, let last = page.last {
            let id: Int64 = last["id"]
            paging = .object([("next_link", .string("\(call.apiBase)/adaccounts/\(account)/segments?limit=\(asked)&cursor=\(id)"))])
        }
        return envelope(page.map { json($0, call) }, paging: paging)
    }

    /// `POST /adaccounts/{id}/segments` with `{"segments":[{name, description, source_type, retention_in_days, ad_account_id}]}`.
    static func create(_ account: String, _ call: SnapCall) throws -> JSON {
        guard let items = try call.body()["segments"]?.arrayValue, !items.isEmpty else { throw SnapError.invalid("segments must be a non-empty array") }
        var created: [JSON] = []
        for item in items {
            guard let name = item["name"]?.stringValue, !name.isEmpty, name.count <= 375 else { throw SnapError.invalid("name is required (at most 375 characters)") }
            guard item["source_type"]?.stringValue == "FIRST_PARTY" else { throw SnapError.invalid("source_type must be FIRST_PARTY for customer lists") }
            let retention = item["retention_in_days"]?.intValue ?? 9999
            guard (1...9999).contains(retention) else { throw SnapError.invalid("retention_in_days must be from 1 to 9999") }
            if let owner = item["ad_account_id"]?.stringValue, owner != account { throw SnapError.invalid("ad_account_id does not match the path") }
            let live = try Int.fetchOne(call.db, sql: "SELECT COUNT(*) FROM snap_segments WHERE ad_account_id = ? AND deleted = 0", arguments: [account]) ?? 0
            guard live < call.config.segmentCap else { throw SnapError.invalid("the ad account already has \(call.config.segmentCap) segments") }
            let id = max(SnapchatSchema.firstSegmentID, (try Int64.fetchOne(call.db, sql: "SELECT MAX(id) FROM snap_segments") ?? 0) + 1)
            try call.db.execute(sql: """
                INSERT INTO snap_segments (id, ad_account_id, name, description, source_type, retention_in_days, created_at) VALUES (?, ?, ?, ?, 'FIRST_PARTY', ?, ?)
                """, arguments: [id, account, name, item["description"]?.stringValue ?? "", retention, call.now.timeIntervalSince1970])
            if let row = try Row.fetchOne(call.db, sql: "SELECT * FROM snap_segments WHERE id = ?", arguments: [id]) { created.append(json(row, call)) }
        }
        return envelope(created)
    }
}
