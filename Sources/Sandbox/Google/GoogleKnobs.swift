import FastCGI
import Foundation
import GRDB

/// `/_sandbox/google/…`: the emulator's state, one list's members, deleting a list as if in the Google Ads UI,
/// revoking or expiring tokens, the headers the client sent, and settings (quota, size floor, developer token).
enum GoogleKnobs {
    static func handle(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        let parts = subpath.split(separator: "/").map(String.init)
        do {
            switch (request.method, parts) {
            case ("GET", ["state"]): return Knob.ok(try state(context))
            case ("GET", ["headers"]): return Knob.ok(try headers(context))
            case ("GET", let p) where p.count == 2 && p[0] == "audiences": return try audience(try listID(p[1]), context: context)
            case ("POST", let p) where p.count == 3 && p[0] == "audiences" && p[2] == "delete":
                let id = try listID(p[1])
                let changed = try context.store.write { db in
                    try db.execute(sql: "UPDATE google_user_lists SET deleted = 1 WHERE id = ? AND deleted = 0", arguments: [id])
                    return db.changesCount
                }
                guard changed == 1 else { throw KnobError(field: "id", message: "no live user list \(id)") }
                return Knob.ok(.object([("id", .string(String(id))), ("deleted", .bool(true))]))
            case ("POST", ["tokens", "revoke"]): return Knob.ok(try tokens(try Knob.body(request), context: context, set: "revoked = 1"))
            case ("POST", ["tokens", "expire"]):
                // Access tokens only: refresh tokens have no timer (partners.md §3.1).
                let count = try context.store.write { db in
                    let now = try context.store.now(db).timeIntervalSince1970
                    try db.execute(sql: "UPDATE google_tokens SET expires_at = MIN(expires_at, ?) WHERE kind = 'access'", arguments: [now - 1])
                    return db.changesCount
                }
                return Knob.ok(.object([("expired", .int(count))]))
            case ("POST", ["config"]): return Knob.ok(try config(try Knob.body(request), context: context))
            default: return nil
            }
        } catch let error as KnobError {
            return error.response
        } catch {
            return Knob.storeFailure(error)
        }
    }

    private static func listID(_ text: String) throws -> Int64 {
        // The client's audience id is `customers/<cid>/userLists/<id>`; the knob takes the numeric id.
        guard let id = Int64(text) else { throw KnobError(field: "id", message: "must be a numeric user list id") }
        return id
    }

    private static func state(_ context: SandboxContext) throws -> JSON {
        try context.store.read { db in
            let customers: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM google_customers ORDER BY id").map { row in
                let manager: Int = row["manager"]
                return .object([("id", .string(row["id"])), ("name", .string(row["name"])), ("currency", .string(row["currency"])),
                                ("manager", .bool(manager == 1)), ("status", .string(row["status"])),
                                ("accepted_customer_data_terms", .bool((row["customer_data_terms"] as Int) == 1)),
                                ("managed_by", (row["managed_by"] as String?).map(JSON.string) ?? .null)])
            }
            let lists: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM google_user_lists ORDER BY id").map { try listJSON($0, db) }
            let tokens: [JSON] = try GoogleTokens.all(db).map { token in
                .object([("value", .string(token.value)), ("kind", .string(token.isRefresh ? "refresh" : "access")),
                         ("user_id", .string(token.userID)), ("scopes", .array(token.scopes.map(JSON.string))),
                         ("expires_at", token.expiresAt.map { .int(Int($0.timeIntervalSince1970)) } ?? .null), ("revoked", .bool(token.revoked))])
            }
            let rejections = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM google_rate_rejections") ?? 0
            return .object([("customers", .array(customers)), ("user_lists", .array(lists)), ("tokens", .array(tokens)),
                            ("rate_limit_rejections", .int(rejections)), ("config", try GoogleConfig.load(db).json)])
        }
    }

    private static func listJSON(_ row: Row, _ db: Database) throws -> JSON {
        let id: Int64 = row["id"]
        let deleted: Int = row["deleted"]
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM google_members WHERE list_id = ?", arguments: [id]) ?? 0
        return .object([
            ("id", .string(String(id))), ("customer_id", .string(row["customer_id"])), ("name", .string(row["display_name"])),
            ("description", .string(row["description"])), ("upload_key_type", .string(row["upload_key_type"])),
            ("membership_days", .int(row["membership_days"])), ("deleted", .bool(deleted == 1)), ("member_count", .int(count)),
            ("requests", .int(row["requests"])), ("members_added", .int(row["members_added"])), ("members_removed", .int(row["members_removed"])),
        ])
    }

    /// One list with its members (`identifier`, `ad_user_data`, `ad_personalization`) and counters.
    private static func audience(_ id: Int64, context: SandboxContext) throws -> Response {
        let json: JSON? = try context.store.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM google_user_lists WHERE id = ?", arguments: [id]) else { return nil }
            guard case .object(var members) = try listJSON(row, db) else { return nil }
            let people: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM google_members WHERE list_id = ? ORDER BY identifier", arguments: [id]).map {
                .object([("identifier", .string($0["identifier"])), ("ad_user_data", .string($0["ad_user_data"])),
                         ("ad_personalization", .string($0["ad_personalization"]))])
            }
            members.append(("members", .array(people)))
            return .object(members)
        }
        guard let json else { return KnobError(field: "id", message: "no user list \(id)").responseWith(status: 404) }
        return Knob.ok(json)
    }

    /// `{"token":"…"}` or `{"all":true}`.
    private static func tokens(_ body: JSON, context: SandboxContext, set: String) throws -> JSON {
        if body["all"]?.boolValue == true {
            let count = try context.store.write { db in
                try db.execute(sql: "UPDATE google_tokens SET \(set)")
                return db.changesCount
            }
            return .object([("revoked", .int(count))])
        }
        guard let token = body["token"]?.stringValue, !token.isEmpty else { throw KnobError(field: "token", message: "give a token, or all: true") }
        let found = try context.store.write { db in
            try db.execute(sql: "UPDATE google_tokens SET \(set) WHERE value = ?", arguments: [token])
            return db.changesCount
        }
        guard found == 1 else { throw KnobError(field: "token", message: "no such token") }
        return .object([("revoked", .int(1))])
    }

    /// The headers of the API calls so far (never the token: only the `Authorization` scheme).
    private static func headers(_ context: SandboxContext) throws -> JSON {
        try context.store.read { db in
            .object([("headers", .array(try Row.fetchAll(db, sql: "SELECT * FROM google_headers ORDER BY seq").map { row in
                .object(["method", "path", "authorization_scheme", "developer_token", "login_customer_id", "login_account", "content_type"].map {
                    ($0, (row[$0] as String?).map(JSON.string) ?? .null)
                })
            }))])
        }
    }

    /// `{"ingestion_per_minute":n,"management_per_minute":n,"size_floor":n,"developer_token":"…"}`, any subset.
    private static func config(_ body: JSON, context: SandboxContext) throws -> JSON {
        try context.store.write { db in
            var config = try GoogleConfig.load(db)
            for (key, path) in [("ingestion_per_minute", \GoogleConfig.ingestionPerMinute), ("management_per_minute", \.managementPerMinute),
                                ("size_floor", \.sizeFloor)] {
                guard let value = body[key] else { continue }
                guard let number = value.intValue, number >= 0 else { throw KnobError(field: key, message: "must be a whole number, zero or more") }
                config[keyPath: path] = number
            }
            if let value = body["developer_token"] {
                guard let text = value.stringValue, !text.isEmpty else { throw KnobError(field: "developer_token", message: "must be a non-empty string") }
                config.developerToken = text
            }
            try db.execute(sql: """
                UPDATE google_config SET ingestion_per_minute = ?, management_per_minute = ?, size_floor = ?, developer_token = ? WHERE id = 1
                """, arguments: [config.ingestionPerMinute, config.managementPerMinute, config.sizeFloor, config.developerToken])
            return config.json
        }
    }
}
