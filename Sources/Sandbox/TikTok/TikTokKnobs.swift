import FastCGI
import Foundation
import GRDB

/// `/_sandbox/tiktok/…`: inspect the emulator and change it the way a person would in TikTok's own tools
/// (cancel an authorization, delete an audience, change limits), plus `tokens/expire` for token-loss tests.
enum TikTokKnobs {
    static func handle(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        let parts = subpath.split(separator: "/").map(String.init)
        do {
            switch (request.method, parts) {
            case ("GET", ["state"]):
                return Knob.ok(try state(context))
            case ("GET", let p) where p.count == 2 && p[0] == "audiences":
                return try audience(p[1], context: context)
            case ("POST", ["tokens", "revoke"]):
                return Knob.ok(try tokens(try Knob.body(request), context: context, sql: "UPDATE tt_tokens SET revoked = 1", key: "revoked"))
            case ("POST", ["tokens", "expire"]):
                let now = try context.store.now().timeIntervalSince1970
                return Knob.ok(try tokens(try Knob.body(request), context: context, sql: "UPDATE tt_tokens SET expires_at = \(now)", key: "expired"))
            case ("POST", let p) where p.count == 3 && p[0] == "audiences" && p[2] == "delete":
                guard let id = Int64(p[1]) else { throw KnobError(field: "id", message: "must be a numeric audience id") }
                let changed = try context.store.write { db in
                    try db.execute(sql: "UPDATE tt_audiences SET deleted = 1 WHERE id = ?", arguments: [id])
                    return db.changesCount
                }
                guard changed == 1 else { throw KnobError(field: "id", message: "no audience \(id)") }
                return Knob.ok(.object([("id", .string(String(id))), ("deleted", .bool(true))]))
            case ("POST", ["config"]):
                return Knob.ok(try config(try Knob.body(request), context: context))
            default:
                return nil
            }
        } catch let error as KnobError {
            return error.response
        } catch {
            return Knob.storeFailure(error)
        }
    }

    /// Advertisers, audiences, tokens and settings.
    private static func state(_ context: SandboxContext) throws -> JSON {
        try context.store.read { db in
            let now = try context.store.now(db)
            let advertisers: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM tt_advertisers ORDER BY id").map { row in
                let id: String = row["id"]
                let granted = try Bool.fetchOne(db, sql: "SELECT 1 FROM tt_access WHERE advertiser_id = ? AND user_id = ?",
                                                arguments: [id, TikTokSchema.demoUserID]) ?? false
                return .object([("advertiser_id", .string(id)), ("name", .string(row["name"])), ("currency", .string(row["currency"])),
                                ("status", .string(row["status"])), ("authorized_by_demo_user", .bool(granted))])
            }
            let audiences: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM tt_audiences ORDER BY id").map { row in
                let id: Int64 = row["id"]
                let deleted: Int = row["deleted"]
                return .object([("audience_id", .string(String(id))), ("name", .string(row["name"])),
                                ("advertiser_id", .string(row["advertiser_id"])), ("member_count", .int(row["member_count"])),
                                ("deleted", .bool(deleted == 1))])
            }
            let tokens: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM tt_tokens ORDER BY issued_at DESC").map { row in
                let expires: Double? = row["expires_at"]
                let revoked: Int = row["revoked"]
                let issued: Double = row["issued_at"]
                return .object([("value", .string(row["value"])), ("user_id", .string(row["user_id"])), ("app_id", .string(row["app_id"])),
                                ("issued_at", .int(Int(issued))), ("expires_at", expires.map { .int(Int($0)) } ?? .null),
                                ("expired", .bool(expires.map { $0 <= now.timeIntervalSince1970 } ?? false)), ("revoked", .bool(revoked == 1))])
            }
            let rejections = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tt_rate_rejections") ?? 0
            let app = context.configuration.app("tiktok")
            return .object([
                ("now", .int(Int(now.timeIntervalSince1970))),
                ("app", .object([("app_id", .string(app.clientID)), ("name", .string(app.name)),
                                 ("redirect_uris", .array(app.redirectURIs.map(JSON.string)))])),
                ("users", .array([.object([("id", .string(TikTokSchema.demoUserID)), ("display_name", .string(TikTokSchema.demoUserName))])])),
                ("advertisers", .array(advertisers)), ("audiences", .array(audiences)), ("tokens", .array(tokens)),
                ("rate_limit_rejections", .int(rejections)), ("config", try TikTokConfig.load(db).json),
            ])
        }
    }

    /// One audience with its members (`id_type:hash`) and counters.
    private static func audience(_ idText: String, context: SandboxContext) throws -> Response {
        guard let id = Int64(idText) else { throw KnobError(field: "id", message: "must be a numeric audience id") }
        let json: JSON? = try context.store.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tt_audiences WHERE id = ?", arguments: [id]) else { return nil }
            let members = try Row.fetchAll(db, sql: "SELECT id_type, identity FROM tt_members WHERE audience_id = ? ORDER BY id_type, identity",
                                           arguments: [id]).map { row -> JSON in
                .object([("id_type", .string(row["id_type"])), ("id", .string(row["identity"]))])
            }
            let deleted: Int = row["deleted"]
            let name: String = row["name"], advertiser: String = row["advertiser_id"], type: String = row["audience_type"]
            var out: [(String, JSON)] = [
                ("audience_id", .string(String(id))), ("name", .string(name)), ("advertiser_id", .string(advertiser)),
                ("audience_type", .string(type)), ("deleted", .bool(deleted == 1)), ("members", .array(members)),
            ]
            for (key, column) in [("member_count", "member_count"), ("requests", "request_count"), ("ids_added", "ids_added"),
                                  ("ids_removed", "ids_removed")] {
                let value: Int = row[column]
                out.append((key, .int(value)))
            }
            return JSON.object(out)
        }
        guard let json else { return KnobError(field: "id", message: "no audience \(id)").responseWith(status: 404) }
        return Knob.ok(json)
    }

    /// `{"token":"…"}` or `{"all":true}` for the revoke and expire knobs.
    private static func tokens(_ body: JSON, context: SandboxContext, sql: String, key: String) throws -> JSON {
        if body["all"]?.boolValue == true {
            let count = try context.store.write { db in
                try db.execute(sql: sql)
                return db.changesCount
            }
            return .object([(key, .int(count))])
        }
        guard let token = body["token"]?.stringValue, !token.isEmpty else { throw KnobError(field: "token", message: "give a token, or all: true") }
        let found = try context.store.write { db in
            try db.execute(sql: sql + " WHERE value = ?", arguments: [token])
            return db.changesCount
        }
        guard found == 1 else { throw KnobError(field: "token", message: "no such token") }
        return .object([(key, .int(1))])
    }

    /// `{"qps_limit":n,"audience_cap":n}`, any subset.
    private static func config(_ body: JSON, context: SandboxContext) throws -> JSON {
        guard case .object(let members) = body else { throw KnobError(field: "body", message: "must be a JSON object") }
        var qps: Int?, cap: Int?
        for (key, value) in members {
            guard let n = value.intValue, n >= 0 else { throw KnobError(field: key, message: "must be an integer, zero or more") }
            switch key {
            case "qps_limit": qps = n
            case "audience_cap": cap = n
            default: throw KnobError(field: key, message: "unknown setting; use qps_limit or audience_cap")
            }
        }
        let updated = try context.store.write { db in
            try db.execute(sql: "UPDATE tt_config SET qps_limit = coalesce(?, qps_limit), audience_cap = coalesce(?, audience_cap) WHERE id = 1",
                           arguments: [qps, cap])
            return try TikTokConfig.load(db)
        }
        return .object([("config", updated.json)])
    }
}
