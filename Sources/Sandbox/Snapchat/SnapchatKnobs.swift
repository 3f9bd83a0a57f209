import FastCGI
import Foundation
import GRDB

/// `/_sandbox/snapchat/…`: `state`, `audiences/{id}` (members and counters), `audiences/{id}/delete`,
/// `tokens/revoke`, `tokens/expire`, `config` (`requests_per_second`, `min_targetable`, `segment_cap`,
/// `segment_page_size`).
enum SnapchatKnobs {
    static func handle(_ request: Request, subpath: String, context: SandboxContext, app: SandboxApp) -> Response? {
        let parts = subpath.split(separator: "/").map(String.init)
        do {
            if let response = try SnapchatSandbox.oauth.handleTokenKnob(request, parts: parts, context: context) { return response }
            switch (request.method, parts) {
            case ("GET", ["state"]): return Knob.ok(try state(context))
            case ("GET", let p) where p.count == 2 && p[0] == "audiences": return try audience(p[1], context: context)
            case ("POST", let p) where p.count == 3 && p[0] == "audiences" && p[2] == "delete":
                guard let id = Int64(p[1]) else { throw KnobError(field: "id", message: "must be a numeric segment id") }
                let changed = try context.store.write { db in
                    try db.execute(sql: "UPDATE snap_segments SET deleted = 1 WHERE id = ?", arguments: [id])
                    return db.changesCount
                }
                guard changed == 1 else { throw KnobError(field: "id", message: "no segment \(id)") }
                return Knob.ok(.object([("id", .string(String(id))), ("deleted", .bool(true))]))
            case ("POST", ["config"]): return Knob.ok(try config(try Knob.body(request), context: context))
            default: return nil
            }
        } catch let error as KnobError {
            return error.response
        } catch {
            return Knob.storeFailure(error)
        }
    }

    private static func state(_ context: SandboxContext) throws -> JSON {
        try context.store.read { db in
            let now = try context.store.now(db)
            let accounts: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM snap_ad_accounts ORDER BY id").map { a in
                .object([("id", .string(a["id"])), ("name", .string(a["name"])), ("organization_id", .string(a["organization_id"])),
                         ("status", .string(a["status"])), ("rate_limit_rejections", .int(a["rate_limit_rejections"]))])
            }
            let segments: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM snap_segments ORDER BY id").map { s in
                let id: Int64 = s["id"]
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM snap_members WHERE segment_id = ?", arguments: [id]) ?? 0
                return .object([("id", .string(String(id))), ("name", .string(s["name"])), ("ad_account_id", .string(s["ad_account_id"])),
                                ("description", .string(s["description"])), ("member_count", .int(count)), ("deleted", .bool((s["deleted"] as Int) == 1))])
            }
            return .object([
                ("now", .int(Int(now.timeIntervalSince1970))),
                ("user", .object([("id", .string(SnapchatSchema.userID)), ("name", .string(SnapchatSchema.userName))])),
                ("ad_accounts", .array(accounts)), ("segments", .array(segments)),
                ("tokens", try SnapchatSandbox.oauth.tokensJSON(db, now: now)), ("config", try SnapchatConfig.load(db).json),
            ])
        }
    }

    private static func audience(_ idText: String, context: SandboxContext) throws -> Response {
        guard let id = Int64(idText) else { throw KnobError(field: "id", message: "must be a numeric segment id") }
        let json: JSON? = try context.store.read { db in
            guard let s = try Row.fetchOne(db, sql: "SELECT * FROM snap_segments WHERE id = ?", arguments: [id]) else { return nil }
            let members = try Row.fetchAll(db, sql: "SELECT schema, hash FROM snap_members WHERE segment_id = ? ORDER BY schema, hash", arguments: [id])
            var bySchema: [(String, JSON)] = []
            for row in members {
                let schema: String = row["schema"], hash: String = row["hash"]
                if let i = bySchema.firstIndex(where: { $0.0 == schema }), case .array(let list) = bySchema[i].1 {
                    bySchema[i].1 = .array(list + [.string(hash)])
                } else {
                    bySchema.append((schema, .array([.string(hash)])))
                }
            }
            let hashes: [JSON] = members.map { .string($0["hash"]) }
            let deleted: Int = s["deleted"]
            var out: [(String, JSON)] = [("id", .string(String(id))), ("name", .string(s["name"])), ("description", .string(s["description"]))]
            out.append(("ad_account_id", .string(s["ad_account_id"])))
            out.append(("deleted", .bool(deleted == 1)))
            out.append(("retention_in_days", .int(s["retention_in_days"])))
            out.append(("members", .array(hashes)))
            out.append(("members_by_schema", .object(bySchema)))
            out.append(("member_count", .int(members.count)))
            for (key, column) in [("uploads", "uploads"), ("requests", "requests"), ("adds", "rows_added"), ("removes", "rows_removed")] {
                out.append((key, .int(s[column])))
            }
            return JSON.object(out)
        }
        guard let json else { return KnobError(field: "id", message: "no segment \(id)").responseWith(status: 404) }
        return Knob.ok(json)
    }

    private static func config(_ body: JSON, context: SandboxContext) throws -> JSON {
        guard case .object(let members) = body else { throw KnobError(field: "body", message: "must be a JSON object") }
        var rate: Int?, minimum: Int?, cap: Int?, pageSize: Int?
        for (key, value) in members {
            guard let n = value.intValue, n >= 0 else { throw KnobError(field: key, message: "must be an integer, zero or more") }
            switch key {
            case "requests_per_second": rate = n
            case "min_targetable": minimum = n
            case "segment_cap": cap = n
            case "segment_page_size":
                guard (1...1000).contains(n) else { throw KnobError(field: key, message: "must be from 1 to 1000") }
                pageSize = n
            default:
                throw KnobError(field: key, message: "unknown setting; use requests_per_second, min_targetable, segment_cap or segment_page_size")
            }
        }
        let updated = try context.store.write { db in
            try db.execute(sql: """
                UPDATE snap_config SET requests_per_second = coalesce(?, requests_per_second), min_targetable = coalesce(?, min_targetable),
                    segment_cap = coalesce(?, segment_cap), segment_page_size = coalesce(?, segment_page_size) WHERE id = 1
                """, arguments: [rate, minimum, cap, pageSize])
            return try SnapchatConfig.load(db)
        }
        return .object([("config", updated.json)])
    }
}
