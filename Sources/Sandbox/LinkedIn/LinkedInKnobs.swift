import FastCGI
import Foundation
import GRDB

/// `/_sandbox/linkedin/…`: inspect the emulator and change it the way a person would in Campaign Manager or
/// LinkedIn's settings (revoke or expire tokens, delete a segment, change limits).
enum LinkedInKnobs {
    static func handle(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        let parts = subpath.split(separator: "/").map(String.init)
        do {
            switch (request.method, parts) {
            case ("GET", ["state"]):
                return Knob.ok(try state(context))
            case ("GET", let p) where p.count == 2 && p[0] == "audiences":
                return Knob.ok(try audience(p[1], context: context))
            case ("POST", ["tokens", "revoke"]):
                let body = try Knob.body(request)
                let changed = try context.store.write { db in
                    if body["all"]?.boolValue == true {
                        try db.execute(sql: "UPDATE li_tokens SET revoked = 1")
                    } else {
                        guard let token = body["token"]?.stringValue else { throw KnobError(field: "token", message: "give a token or all:true") }
                        try db.execute(sql: "UPDATE li_tokens SET revoked = 1 WHERE value = ?", arguments: [token])
                    }
                    return db.changesCount
                }
                return Knob.ok(.object([("revoked", .int(changed))]))
            case ("POST", ["tokens", "expire"]):
                // Access tokens end now; with {"refresh":true} refresh tokens too (the year is over).
                let body = try Knob.body(request)
                let changed = try context.store.write { db in
                    let now = try context.store.now(db).timeIntervalSince1970
                    let kinds = body["refresh"]?.boolValue == true ? "('access', 'refresh')" : "('access')"
                    try db.execute(sql: "UPDATE li_tokens SET expires_at = ? WHERE expires_at > ? AND kind IN \(kinds)", arguments: [now, now])
                    return db.changesCount
                }
                return Knob.ok(.object([("expired", .int(changed))]))
            case ("POST", let p) where p.count == 3 && p[0] == "audiences" && (p[2] == "delete" || p[2] == "ready"):
                guard let id = Int64(p[1]) else { throw KnobError(field: "id", message: "must be a numeric segment id") }
                let changed = try context.store.write { db in
                    if p[2] == "delete" {
                        try db.execute(sql: "UPDATE li_segments SET deleted = 1 WHERE id = ?", arguments: [id])
                    } else {
                        try db.execute(sql: "UPDATE li_segments SET ready_at = ? WHERE id = ?", arguments: [try context.store.now(db).timeIntervalSince1970, id])
                    }
                    return db.changesCount
                }
                guard changed == 1 else { throw KnobError(field: "id", message: "no segment \(id)") }
                return Knob.ok(.object([("id", .string(String(id))), (p[2] == "delete" ? "deleted" : "ready", .bool(true))]))
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

    private static func configJSON(_ db: Database) throws -> JSON {
        let c = try LinkedInSchema.config(db)
        let rejections = try Int.fetchOne(db, sql: "SELECT rate_rejections FROM li_config WHERE id = 1") ?? 0
        return .object([("rate_limit_per_second", .int(c.rateLimitPerSecond)), ("segment_ready_seconds", .double(c.segmentReadySeconds)),
                        ("rate_limit_rejections", .int(rejections))])
    }

    /// `{"rate_limit_per_second":n,"segment_ready_seconds":s}`.
    private static func config(_ body: JSON, context: SandboxContext) throws -> JSON {
        try context.store.write { db in
            if let value = body["rate_limit_per_second"], value != .null {
                guard let n = value.intValue, (0...100_000).contains(n) else {
                    throw KnobError(field: "rate_limit_per_second", message: "must be an integer from 0 to 100000")
                }
                try db.execute(sql: "UPDATE li_config SET rate_limit_per_second = ? WHERE id = 1", arguments: [n])
            }
            if let value = body["segment_ready_seconds"], value != .null {
                guard let s = value.doubleValue, s >= 0, s <= 86_400 else {
                    throw KnobError(field: "segment_ready_seconds", message: "must be a number of seconds from 0 to 86400")
                }
                try db.execute(sql: "UPDATE li_config SET segment_ready_seconds = ? WHERE id = 1", arguments: [s])
            }
            return try configJSON(db)
        }
    }

    private static func state(_ context: SandboxContext) throws -> JSON {
        try context.store.read { db in
            let now = try context.store.now(db)
            let accounts: [JSON] = try Row.fetchAll(db, sql: """
                SELECT a.*, u.role FROM li_ad_accounts a LEFT JOIN li_account_users u ON u.account_id = a.id ORDER BY a.id
                """).map { row in
                let id: Int64 = row["id"]
                return .object([("id", .string(String(id))), ("urn", .string("urn:li:sponsoredAccount:\(id)")), ("name", .string(row["name"])),
                                ("currency", .string(row["currency"])), ("status", .string(row["status"])),
                                ("role", (row["role"] as String?).map(JSON.string) ?? .null)])
            }
            let segments: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM li_segments ORDER BY id").map { row in
                var json = try LinkedInSegments.json(row, db: db, now: now)
                if case .object(var members) = json {
                    members.append(("deleted", .bool((row["deleted"] as Int) == 1)))
                    json = .object(members)
                }
                return json
            }
            let tokens: [JSON] = try LinkedInTokens.all(db).map { token in
                .object([("value", .string(token.value)), ("kind", .string(token.kind)), ("member", .string(token.memberID)),
                         ("scopes", .array(token.scopes.map(JSON.string))), ("expires_at", .int(Int(token.expiresAt.timeIntervalSince1970))),
                         ("revoked", .bool(token.revoked))])
            }
            return .object([
                ("member", .object([("id", .string("urn:li:person:" + LinkedInSchema.demoMemberID)), ("name", .string(LinkedInSchema.demoMemberName))])),
                ("ad_accounts", .array(accounts)), ("segments", .array(segments)), ("tokens", .array(tokens)), ("config", try configJSON(db)),
            ])
        }
    }

    /// One segment with its members (`members`: every idValue, sorted; `user_ids`: with their types) and counters.
    private static func audience(_ id: String, context: SandboxContext) throws -> JSON {
        try context.store.read { db in
            guard let number = Int64(id), let row = try Row.fetchOne(db, sql: "SELECT * FROM li_segments WHERE id = ?", arguments: [number]) else {
                throw KnobError(field: "id", message: "no segment \(id)")
            }
            let users = try Row.fetchAll(db, sql: "SELECT id_type, id_value FROM li_segment_members WHERE segment_id = ? ORDER BY id_value",
                                         arguments: [number])
            var members: [(String, JSON)] = []
            if case .object(let base) = try LinkedInSegments.json(row, db: db, now: try context.store.now(db)) { members = base }
            members += [
                ("deleted", .bool((row["deleted"] as Int) == 1)),
                ("members", .array(users.map { .string($0["id_value"]) })),
                ("user_ids", .array(users.map { .object([("idType", .string($0["id_type"])), ("idValue", .string($0["id_value"]))]) })),
                ("add_requests", .int(row["add_requests"])), ("remove_requests", .int(row["remove_requests"])),
                ("not_ready_refusals", .int(row["not_ready_refusals"])), ("rejected_elements", .int(row["rejected_elements"])),
            ]
            return .object(members)
        }
    }
}
