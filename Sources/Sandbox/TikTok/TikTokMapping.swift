import Foundation
import GRDB

/// `POST /segment/mapping/` (partners.md §2.4): adds (`action:"add"`) or removes (`action:"delete"`) users of
/// partner audiences. `batch_data` holds one array per user, aligned with `id_schema`; `{}` marks a missing id.
/// The whole request is checked before anything is written, and refused with the first problem found.
enum TikTokMapping {
    /// Users one request may carry (§2.4, Braze: "10k users per request").
    static let maxUsers = 10_000
    /// The `id_schema` values and the length of their lower-hex digests.
    static let idTypes: [String: Int] = [
        "EMAIL_SHA256": 64, "PHONE_SHA256": 64, "IDFA_SHA256": 64, "AAID_SHA256": 64, "IDFA_MD5": 32, "AAID_MD5": 32,
    ]

    /// One id of one user: its schema type, the hash, and the audiences it maps to.
    private struct Entry {
        let type: String
        let identity: String
        let audiences: [Int64]
    }

    static func handle(_ call: TikTokCall, _ db: Database, _ state: inout TikTokState) throws -> JSON {
        guard let advertisers = try call.stringList("advertiser_ids"), !advertisers.isEmpty else {
            throw TikTokAPIError.required("advertiser_ids")
        }
        for advertiser in advertisers {
            try TikTokAPI.requireAccess(advertiser, db, &state)
            try TikTokAPI.requireEnabled(advertiser, db)
        }
        let remove: Bool
        switch call.string("action") {
        case "add": remove = false
        case "delete": remove = true
        case nil: throw TikTokAPIError.required("action")
        case let other?: throw TikTokAPIError.parameter("action: Must be one of: add, delete (got \(other)).")
        }
        let schema = try self.schema(call)
        guard let batch = call.body["batch_data"]?.arrayValue else { throw TikTokAPIError.required("batch_data") }
        guard !batch.isEmpty else { throw TikTokAPIError.parameter("batch_data: Length must be at least 1.") }
        guard batch.count <= maxUsers else { throw TikTokAPIError.tooManyIDs }
        let entries = try parse(batch, schema: schema, advertisers: advertisers, db)
        try apply(entries, remove: remove, now: state.now, db)
        return .object([])
    }

    /// `id_schema`: a non-empty list of known types, none twice.
    private static func schema(_ call: TikTokCall) throws -> [String] {
        guard let schema = try call.stringList("id_schema"), !schema.isEmpty else { throw TikTokAPIError.required("id_schema") }
        for type in schema where idTypes[type] == nil {
            throw TikTokAPIError.parameter("id_schema: \(type) is not one of \(idTypes.keys.sorted().joined(separator: ", ")).")
        }
        guard Set(schema).count == schema.count else { throw TikTokAPIError.parameter("id_schema: Duplicate id types.") }
        return schema
    }

    /// Every user's ids, checked: row length, object shape, hash shape, audiences of the named advertisers.
    private static func parse(_ batch: [JSON], schema: [String], advertisers: [String], _ db: Database) throws -> [Entry] {
        var known: [Int64: Bool] = [:]
        var entries: [Entry] = []
        for (i, user) in batch.enumerated() {
            guard let ids = user.arrayValue, ids.count == schema.count else {
                throw TikTokAPIError.parameter("batch_data[\(i)]: Must hold one item per id_schema entry (\(schema.count)).")
            }
            for (j, item) in ids.enumerated() {
                guard case .object(let members) = item else { throw TikTokAPIError.parameter("batch_data[\(i)][\(j)]: Must be an object.") }
                if members.isEmpty { continue }
                guard let id = item["id"]?.stringValue, isDigest(id, length: idTypes[schema[j]] ?? 64) else {
                    throw TikTokAPIError.parameter("batch_data[\(i)][\(j)].id: Not a valid \(schema[j]) value.")
                }
                guard let audiences = item["audience_ids"]?.arrayValue, !audiences.isEmpty else {
                    throw TikTokAPIError.required("batch_data[\(i)][\(j)].audience_ids")
                }
                var ids: [Int64] = []
                for audience in audiences {
                    guard let text = audience.stringValue ?? audience.intValue.map(String.init), let number = Int64(text) else {
                        throw TikTokAPIError.invalidAudience
                    }
                    if known[number] == nil { known[number] = try isLive(number, advertisers: advertisers, db) }
                    guard known[number] == true else { throw TikTokAPIError.invalidAudience }
                    ids.append(number)
                }
                entries.append(Entry(type: schema[j], identity: id, audiences: ids))
            }
        }
        return entries
    }

    private static func isDigest(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    private static func isLive(_ id: Int64, advertisers: [String], _ db: Database) throws -> Bool {
        let placeholders = advertisers.map { _ in "?" }.joined(separator: ",")
        return try Bool.fetchOne(db, sql: "SELECT 1 FROM tt_audiences WHERE id = ? AND deleted = 0 AND advertiser_id IN (\(placeholders))",
                                 arguments: StatementArguments([id] as [any DatabaseValueConvertible] + advertisers)) ?? false
    }

    /// Writes the members and the counters; adds are idempotent, removing an absent id changes nothing.
    private static func apply(_ entries: [Entry], remove: Bool, now: Date, _ db: Database) throws {
        let sql = remove ? "DELETE FROM tt_members WHERE audience_id = ? AND id_type = ? AND identity = ?"
                         : "INSERT OR IGNORE INTO tt_members (audience_id, id_type, identity) VALUES (?, ?, ?)"
        let statement = try db.cachedStatement(sql: sql)
        var touched: [Int64: Int] = [:]
        for entry in entries {
            for audience in entry.audiences {
                try statement.execute(arguments: [audience, entry.type, entry.identity])
                touched[audience, default: 0] += 1
            }
        }
        for (audience, ids) in touched {
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tt_members WHERE audience_id = ?", arguments: [audience]) ?? 0
            try db.execute(sql: """
                UPDATE tt_audiences SET member_count = ?, request_count = request_count + 1,
                    ids_added = ids_added + ?, ids_removed = ids_removed + ? WHERE id = ?
                """, arguments: [count, remove ? 0 : ids, remove ? ids : 0, audience])
        }
    }
}
