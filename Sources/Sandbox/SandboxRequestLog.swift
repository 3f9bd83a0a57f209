import FastCGI
import Foundation
import GRDB

/// The request log: every partner request (OAuth, browser pages and API calls) with what was answered, so
/// tests and the demo can see exactly what the app sent. `/_sandbox/…` itself is not logged.
enum SandboxRequestLog {
    /// Bodies are kept up to this many bytes.
    static let bodyLimit = 64 * 1024

    /// Appends one entry; a failure to log never fails the request itself.
    static func record(partner: String, request: Request, response: Response, notes: RequestNotes, faultID: Int?,
                       store: SandboxStore) {
        var query: [(String, JSON)] = []
        for pair in request.query.pairs {
            if let i = query.firstIndex(where: { $0.0 == pair.name }) {
                // A repeated name becomes an array, so nothing received is dropped.
                switch query[i].1 {
                case .array(let items): query[i].1 = .array(items + [.string(pair.value)])
                default: query[i].1 = .array([query[i].1, .string(pair.value)])
                }
            } else {
                query.append((pair.name, .string(pair.value)))
            }
        }
        let body = String(decoding: request.body.prefix(bodyLimit), as: UTF8.self)
        _ = try? store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sandbox_requests (partner, time, method, path, query_json, body, status, error_code, ad_account, fault_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [partner, try store.now(db).timeIntervalSince1970, request.method, request.path,
                            JSON.object(query).serialized, body, response.status, notes.errorCode, notes.adAccount, faultID])
        }
    }

    /// Entries after `since`, oldest first, at most `limit`.
    static func list(partner: String?, since: Int, limit: Int, store: SandboxStore) throws -> JSON {
        try store.read { db in
            let rows: [Row]
            if let partner {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM sandbox_requests WHERE partner = ? AND seq > ? ORDER BY seq LIMIT ?",
                                        arguments: [partner, since, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM sandbox_requests WHERE seq > ? ORDER BY seq LIMIT ?",
                                        arguments: [since, limit])
            }
            let entries: [JSON] = rows.map { row in
                let queryText: String = row["query_json"]
                let errorCode: Int? = row["error_code"]
                let adAccount: String? = row["ad_account"]
                let faultID: Int? = row["fault_id"]
                return .object([
                    ("seq", .int(row["seq"])), ("partner", .string(row["partner"])), ("time", .double(row["time"])),
                    ("method", .string(row["method"])), ("path", .string(row["path"])),
                    ("query", JSON.parse(queryText) ?? .object([])), ("body", .string(row["body"])),
                    ("status", .int(row["status"])), ("error_code", errorCode.map(JSON.int) ?? .null),
                    ("ad_account", adAccount.map(JSON.string) ?? .null), ("fault_id", faultID.map(JSON.int) ?? .null),
                ])
            }
            let last: Int = rows.last?["seq"] ?? since
            return .object([("requests", .array(entries)), ("last_seq", .int(last))])
        }
    }
}
