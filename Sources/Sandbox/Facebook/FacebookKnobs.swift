import FastCGI
import Foundation
import GRDB

/// `/_sandbox/facebook/…`: inspect the emulator's state and change it the way a person would in Facebook's
/// own tools (revoke a session, delete an audience, accept terms, add ad accounts, change limits).
enum FacebookKnobs {
    static func handle(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        let parts = subpath.split(separator: "/").map(String.init)
        do {
            switch (request.method, parts) {
            case ("GET", ["state"]):
                return Knob.ok(try state(context))
            case ("GET", let p) where p.count == 2 && p[0] == "audiences":
                return try audience(p[1], context: context)
            case ("POST", ["tokens", "revoke"]):
                return Knob.ok(try revoke(try Knob.body(request), context: context))
            case ("POST", let p) where p.count == 3 && p[0] == "audiences" && p[2] == "delete":
                guard let id = Int64(p[1]) else { throw KnobError(field: "id", message: "must be a numeric audience id") }
                let changed = try context.store.write { db in
                    try db.execute(sql: "UPDATE fb_audiences SET deleted = 1 WHERE id = ?", arguments: [id])
                    return db.changesCount
                }
                guard changed == 1 else { throw KnobError(field: "id", message: "no audience \(id)") }
                return Knob.ok(.object([("id", .string(String(id))), ("deleted", .bool(true))]))
            case ("POST", let p) where p.count == 3 && p[0] == "adaccounts" && p[2] == "tos":
                return Knob.ok(try terms(p[1], body: try Knob.body(request), context: context))
            case ("POST", ["adaccounts"]):
                return Knob.ok(try addAccounts(try Knob.body(request), context: context))
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

    private static func configJSON(_ c: FacebookConfig) -> JSON {
        .object([("hourly_call_limit", .int(c.hourlyCallLimit)), ("remove_threshold", .int(c.removeThreshold)),
                 ("require_appsecret_proof", .bool(c.requireAppSecretProof))])
    }

    /// Ad accounts, audiences, tokens and settings.
    private static func state(_ context: SandboxContext) throws -> JSON {
        try context.store.read { db in
            let now = try context.store.now(db)
            let accounts: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM fb_ad_accounts ORDER BY id").map { row in
                let id: Int = row["id"]
                let tos: Int = row["tos_accepted"]
                let rejections = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fb_rate_rejections WHERE account_id = ?", arguments: [id]) ?? 0
                let calls = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fb_calls WHERE account_id = ? AND at > ?",
                                             arguments: [id, now.timeIntervalSince1970 - FacebookRateLimit.window]) ?? 0
                return .object([
                    ("id", .string("act_\(id)")), ("account_id", .string(String(id))), ("name", .string(row["name"])),
                    ("currency", .string(row["currency"])), ("timezone_name", .string(row["timezone_name"])),
                    ("account_status", .int(row["account_status"])),
                    ("tos_accepted", .bool(tos == 1)), ("calls_last_hour", .int(calls)), ("rate_limit_rejections", .int(rejections)),
                ])
            }
            let audiences: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM fb_audiences ORDER BY id").map { row in
                let id: Int64 = row["id"]
                let account: Int = row["account_id"]
                let deleted: Int = row["deleted"]
                return .object([
                    ("id", .string(String(id))), ("name", .string(row["name"])), ("account_id", .string("act_\(account)")),
                    ("member_count", .int(row["member_count"])), ("deleted", .bool(deleted == 1)),
                ])
            }
            let tokens: [JSON] = try FacebookTokens.all(db).map { token in
                let kind: String = switch token.kind {
                case .short: "short"
                case .long: "long"
                case .systemUser: "system_user"
                }
                return .object([
                    ("value", .string(token.value)), ("kind", .string(kind)), ("type", .string(token.debugType)),
                    ("user_id", .string(token.userID)), ("user", .string(token.userName)),
                    ("scopes", .array(token.scopes.map(JSON.string))),
                    ("issued_at", .int(Int(token.issuedAt.timeIntervalSince1970))),
                    ("expires_at", token.expiresAt.map { .int(Int($0.timeIntervalSince1970)) } ?? .null),
                    ("expired", .bool(token.expiresAt.map { $0 <= now } ?? false)), ("revoked", .bool(token.revoked)),
                ])
            }
            let app = context.configuration.facebookApp
            let appJSON: JSON = .object([
                ("client_id", .string(app.clientID)), ("name", .string(app.name)),
                ("redirect_uris", .array(app.redirectURIs.map(JSON.string))),
            ])
            let demo: JSON = .object([("id", .string(FacebookSchema.demoUserID)), ("name", .string(FacebookSchema.demoUserName)),
                                      ("kind", .string("user"))])
            let system: JSON = .object([("id", .string(FacebookSchema.systemUserID)), ("name", .string(FacebookSchema.systemUserName)),
                                        ("kind", .string("system_user"))])
            var members: [(String, JSON)] = [("now", .int(Int(now.timeIntervalSince1970))), ("app", appJSON)]
            members.append(("users", .array([demo, system])))
            members.append(("ad_accounts", .array(accounts)))
            members.append(("audiences", .array(audiences)))
            members.append(("tokens", .array(tokens)))
            members.append(("config", configJSON(try FacebookConfig.load(db))))
            return .object(members)
        }
    }

    /// One audience with its members and counters.
    private static func audience(_ idText: String, context: SandboxContext) throws -> Response {
        guard let id = Int64(idText) else { throw KnobError(field: "id", message: "must be a numeric audience id") }
        let json: JSON? = try context.store.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM fb_audiences WHERE id = ?", arguments: [id]) else { return nil }
            let members = try String.fetchAll(db, sql: "SELECT identity FROM fb_audience_members WHERE audience_id = ? ORDER BY identity",
                                              arguments: [id])
            let lduMembers = try String.fetchAll(db, sql: "SELECT identity FROM fb_audience_members WHERE audience_id = ? AND ldu = 1 ORDER BY identity",
                                                 arguments: [id])
            let rejections = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fb_rate_rejections WHERE audience_id = ?", arguments: [id]) ?? 0
            let account: Int = row["account_id"]
            let deleted: Int = row["deleted"]
            let name: String = row["name"]
            let description: String = row["description"]
            let counters: [(String, Int)] = [
                ("member_count", row["member_count"]), ("adds", row["rows_added"]), ("removes", row["rows_removed"]),
                ("requests", row["request_count"]), ("invalid_entries", row["invalid_entries"]), ("rate_limit_rejections", rejections),
            ]
            var out: [(String, JSON)] = [
                ("id", .string(String(id))), ("name", .string(name)), ("description", .string(description)),
                ("account_id", .string("act_\(account)")), ("deleted", .bool(deleted == 1)),
                ("members", .array(members.map(JSON.string))),
                // Members whose latest upload asked for Limited Data Use.
                ("ldu_members", .array(lduMembers.map(JSON.string))),
            ]
            out += counters.map { ($0.0, JSON.int($0.1)) }
            return JSON.object(out)
        }
        guard let json else { return KnobError(field: "id", message: "no audience \(id)").responseWith(status: 404) }
        return Knob.ok(json)
    }

    /// `{"token":"…"}` or `{"all":true}`.
    private static func revoke(_ body: JSON, context: SandboxContext) throws -> JSON {
        if body["all"]?.boolValue == true {
            let count = try context.store.write { db in
                try db.execute(sql: "UPDATE fb_tokens SET revoked = 1 WHERE revoked = 0")
                return db.changesCount
            }
            return .object([("revoked", .int(count))])
        }
        guard let token = body["token"]?.stringValue, !token.isEmpty else {
            throw KnobError(field: "token", message: "give a token, or all: true")
        }
        let found = try context.store.write { db in
            try db.execute(sql: "UPDATE fb_tokens SET revoked = 1 WHERE value = ?", arguments: [token])
            return db.changesCount
        }
        guard found == 1 else { throw KnobError(field: "token", message: "no such token") }
        return .object([("revoked", .int(1))])
    }

    /// `{"accepted":bool}` for `act_<id>` or `<id>`.
    private static func terms(_ idText: String, body: JSON, context: SandboxContext) throws -> JSON {
        let numeric = idText.hasPrefix("act_") ? String(idText.dropFirst(4)) : idText
        guard let id = Int(numeric) else { throw KnobError(field: "id", message: "must be an ad account id (1001 or act_1001)") }
        guard let accepted = body["accepted"]?.boolValue else { throw KnobError(field: "accepted", message: "must be true or false") }
        let changed = try context.store.write { db in
            try db.execute(sql: "UPDATE fb_ad_accounts SET tos_accepted = ? WHERE id = ?", arguments: [accepted ? 1 : 0, id])
            return db.changesCount
        }
        guard changed == 1 else { throw KnobError(field: "id", message: "no ad account act_\(id)") }
        return .object([("id", .string("act_\(id)")), ("tos_accepted", .bool(accepted))])
    }

    /// `{"count":N}`: N more ad accounts of Demo Business, reachable by both seeded users, terms accepted.
    private static func addAccounts(_ body: JSON, context: SandboxContext) throws -> JSON {
        guard let count = body["count"]?.intValue, (1...1000).contains(count) else {
            throw KnobError(field: "count", message: "must be an integer from 1 to 1000")
        }
        let ids = try context.store.write { db in
            let start = max(1004, (try Int.fetchOne(db, sql: "SELECT MAX(id) FROM fb_ad_accounts") ?? 0) + 1)
            for id in start..<(start + count) {
                try FacebookSchema.insertAccount(db, id: id, name: "Paging Test Account \(id)", currency: "USD",
                                                 timezone: "America/Los_Angeles", tosAccepted: true)
            }
            return Array(start..<(start + count))
        }
        return .object([("ids", .array(ids.map { .string("act_\($0)") }))])
    }

    /// `{"hourly_call_limit":n,"remove_threshold":n,"require_appsecret_proof":bool}`, any subset.
    private static func config(_ body: JSON, context: SandboxContext) throws -> JSON {
        guard case .object(let members) = body else { throw KnobError(field: "body", message: "must be a JSON object") }
        var limit: Int?, threshold: Int?, proof: Bool?
        for (key, value) in members {
            switch key {
            case "hourly_call_limit":
                guard let n = value.intValue, n >= 0 else { throw KnobError(field: key, message: "must be an integer, zero or more") }
                limit = n
            case "remove_threshold":
                guard let n = value.intValue, n >= 0 else { throw KnobError(field: key, message: "must be an integer, zero or more") }
                threshold = n
            case "require_appsecret_proof":
                guard let b = value.boolValue else { throw KnobError(field: key, message: "must be true or false") }
                proof = b
            default:
                throw KnobError(field: key, message: "unknown setting; use hourly_call_limit, remove_threshold or require_appsecret_proof")
            }
        }
        let updated = try context.store.write { db in
            try db.execute(
                sql: """
                    UPDATE fb_config SET hourly_call_limit = coalesce(?, hourly_call_limit),
                        remove_threshold = coalesce(?, remove_threshold),
                        require_appsecret_proof = coalesce(?, require_appsecret_proof)
                    WHERE id = 1
                    """,
                arguments: [limit, threshold, proof.map { $0 ? 1 : 0 }])
            return try FacebookConfig.load(db)
        }
        return .object([("config", configJSON(updated))])
    }
}
