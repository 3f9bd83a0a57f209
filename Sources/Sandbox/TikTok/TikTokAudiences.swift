import Foundation
import GRDB

/// Custom audiences (partners.md §2.3): the DMP list/get/delete endpoints and the streaming `segment/audience/`
/// create/delete. Names need not be unique at TikTok, and none are here.
enum TikTokAudiences {
    /// The longest audience name TikTok takes [I: the UI's limit].
    static let maxNameLength = 128

    /// One audience as the DMP endpoints describe it (seg `types.ts`).
    static func json(_ row: Row) -> JSON {
        let id: Int64 = row["id"]
        let created: Int = row["create_time"]
        return .object([
            ("audience_id", .string(String(id))), ("name", .string(row["name"])), ("audience_type", .string(row["audience_type"])),
            ("cover_num", .int(row["member_count"])), ("is_valid", .bool(true)), ("is_expiring", .bool(false)),
            ("expired_time", .string(timestamp(created + 365 * 86_400))), ("create_time", .string(timestamp(created))),
            ("shared", .bool(false)), ("calculate_type", .null),
        ])
    }

    /// `2026-11-22 19:54:12` (UTC), TikTok's time format.
    static func timestamp(_ seconds: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
    }

    /// `GET /dmp/custom_audience/list/?advertiser_id=&page=&page_size=` (page_size 1–100, default 10).
    static func list(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState) throws -> JSON {
        let advertiser = try TikTokAPI.advertiser(call, db, &state)
        let page = try integer(call, "page", default: 1, range: 1...Int(Int32.max))
        let size = try integer(call, "page_size", default: 10, range: 1...100)
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tt_audiences WHERE advertiser_id = ? AND deleted = 0",
                                     arguments: [advertiser]) ?? 0
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM tt_audiences WHERE advertiser_id = ? AND deleted = 0 ORDER BY id LIMIT ? OFFSET ?
            """, arguments: [advertiser, size, (page - 1) * size])
        let pageInfo: JSON = .object([("page", .int(page)), ("page_size", .int(size)), ("total_number", .int(total)),
                                      ("total_page", .int((total + size - 1) / size))])
        return .object([("list", .array(rows.map(json))), ("page_info", pageInfo)])
    }

    /// `GET /dmp/custom_audience/get/?advertiser_id=&custom_audience_ids=["…"]` (1–100 ids).
    static func get(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState) throws -> JSON {
        let advertiser = try TikTokAPI.advertiser(call, db, &state)
        let ids = try audienceIDs(call)
        var list: [JSON] = []
        for id in ids {
            let row = try live(id, advertiser: advertiser, db)
            list.append(.object([("audience_details", json(row)), ("audience_history", .array([]))]))
        }
        return .object([("list", .array(list))])
    }

    /// `POST /dmp/custom_audience/delete/` with `{"advertiser_id","custom_audience_ids":[…]}`.
    static func deleteMany(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState) throws -> JSON {
        let advertiser = try TikTokAPI.advertiser(call, db, &state)
        let ids = try audienceIDs(call)
        for id in ids { _ = try live(id, advertiser: advertiser, db) }
        for id in ids { try db.execute(sql: "UPDATE tt_audiences SET deleted = 1 WHERE id = ?", arguments: [Int64(id) ?? 0]) }
        return .object([])
    }

    /// `POST /segment/audience/`: `{"action":"create","advertiser_id","custom_audience_name"}` → `audience_id`, or
    /// `{"action":"delete","advertiser_id","audience_id"}` [I: partners.md saw no delete body].
    static func segment(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState) throws -> JSON {
        let advertiser = try TikTokAPI.advertiser(call, db, &state)
        switch call.string("action") {
        case "create":
            try TikTokAPI.requireEnabled(advertiser, db)
            guard let name = call.string("custom_audience_name"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw TikTokAPIError.required("custom_audience_name")
            }
            guard name.count <= maxNameLength else {
                throw TikTokAPIError.parameter("custom_audience_name: Length must be between 1 and \(maxNameLength).")
            }
            let active = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tt_audiences WHERE advertiser_id = ? AND deleted = 0",
                                          arguments: [advertiser]) ?? 0
            guard active < state.config.audienceCap else { throw TikTokAPIError.audienceCap(state.config.audienceCap) }
            let maxID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM tt_audiences") ?? 0
            let id = max(maxID + 1, TikTokSchema.firstAudienceID)
            try db.execute(sql: """
                INSERT INTO tt_audiences (id, advertiser_id, name, audience_type, create_time) VALUES (?, ?, ?, 'Partner Audience', ?)
                """, arguments: [id, advertiser, name, Int(state.now.timeIntervalSince1970)])
            return .object([("audience_id", .string(String(id)))])
        case "delete":
            guard let id = call.string("audience_id"), !id.isEmpty else { throw TikTokAPIError.required("audience_id") }
            _ = try live(id, advertiser: advertiser, db)
            try db.execute(sql: "UPDATE tt_audiences SET deleted = 1 WHERE id = ?", arguments: [Int64(id) ?? 0])
            return .object([("audience_id", .string(id))])
        case nil:
            throw TikTokAPIError.required("action")
        case let other?:
            throw TikTokAPIError.parameter("action: Must be one of: create, delete (got \(other)).")
        }
    }

    /// The audience `id` of `advertiser`, not deleted; otherwise 40007.
    static func live(_ id: String, advertiser: String, _ db: Database) throws -> Row {
        guard let numeric = Int64(id),
              let row = try Row.fetchOne(db, sql: "SELECT * FROM tt_audiences WHERE id = ? AND advertiser_id = ? AND deleted = 0",
                                         arguments: [numeric, advertiser]) else {
            throw TikTokAPIError.audienceMissing(id)
        }
        return row
    }

    private static func audienceIDs(_ call: TikTokCall) throws -> [String] {
        guard let ids = try call.stringList("custom_audience_ids"), !ids.isEmpty else { throw TikTokAPIError.required("custom_audience_ids") }
        guard ids.count <= 100 else { throw TikTokAPIError.parameter("custom_audience_ids: Length must be between 1 and 100.") }
        return ids
    }

    private static func integer(_ call: TikTokCall, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = call.string(name), !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw TikTokAPIError.parameter("\(name): Must be between \(range.lowerBound) and \(range.upperBound).")
        }
        return number
    }
}
