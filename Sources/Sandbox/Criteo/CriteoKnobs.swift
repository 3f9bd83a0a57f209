import FastCGI
import Foundation
import GRDB

/// `/_sandbox/criteo/…`: `state`, `audiences/{id}` (a segment's identifiers by type, and counters),
/// `audiences/{id}/delete`, `tokens/revoke`, `tokens/expire`, `config` (`calls_per_minute`, `max_identifiers`).
enum CriteoKnobs {
    static func handle(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        let parts = subpath.split(separator: "/").map(String.init)
        do {
            if let response = try CriteoSandbox.oauth.handleTokenKnob(request, parts: parts, context: context) { return response }
            switch (request.method, parts) {
            case ("GET", ["state"]): return Knob.ok(try state(context))
            case ("GET", let p) where p.count == 2 && p[0] == "audiences": return try segment(p[1], context: context)
            case ("POST", let p) where p.count == 3 && p[0] == "audiences" && p[2] == "delete":
                guard let id = Int64(p[1]) else { throw KnobError(field: "id", message: "must be a numeric segment id") }
                let changed = try context.store.write { db in
                    try db.execute(sql: "UPDATE criteo_segments SET deleted = 1 WHERE id = ?", arguments: [id])
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
            let advertisers: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM criteo_advertisers ORDER BY id").map { a in
                .object([("id", .string(a["id"])), ("name", .string(a["name"])), ("consented", .bool((a["consented"] as Int) == 1))])
            }
            let segments: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM criteo_segments ORDER BY id").map { s in
                let id: Int64 = s["id"]
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM criteo_members WHERE segment_id = ?", arguments: [id]) ?? 0
                return .object([("id", .string(String(id))), ("name", .string(s["name"])), ("advertiser_id", .string(s["advertiser_id"])),
                                ("description", .string(s["description"])), ("member_count", .int(count)), ("deleted", .bool((s["deleted"] as Int) == 1))])
            }
            let calls = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM criteo_calls WHERE at > ?", arguments: [now.timeIntervalSince1970 - 60]) ?? 0
            return .object([
                ("now", .int(Int(now.timeIntervalSince1970))),
                ("user", .object([("id", .string(CriteoSchema.userID)), ("name", .string(CriteoSchema.userName))])),
                ("advertisers", .array(advertisers)), ("segments", .array(segments)), ("calls_last_minute", .int(calls)),
                ("tokens", try CriteoSandbox.oauth.tokensJSON(db, now: now)), ("config", try CriteoConfig.load(db).json),
            ])
        }
    }

    private static func segment(_ idText: String, context: SandboxContext) throws -> Response {
        guard let id = Int64(idText) else { throw KnobError(field: "id", message: "must be a numeric segment id") }
        let json: JSON? = try context.store.read { db in
            guard let s = try Row.fetchOne(db, sql: "SELECT * FROM criteo_segments WHERE id = ?", arguments: [id]) else { return nil }
            let rows = try Row.fetchAll(db, sql: "SELECT identifier_type, identifier FROM criteo_members WHERE segment_id = ? ORDER BY identifier_type, identifier",
                                        arguments: [id])
            var byType: [(String, JSON)] = []
            for row in rows {
                let type: String = row["identifier_type"], value: String = row["identifier"]
                if let i = byType.firstIndex(where: { $0.0 == type }), case .array(let list) = byType[i].1 {
                    byType[i].1 = .array(list + [.string(value)])
                } else {
                    byType.append((type, .array([.string(value)])))
                }
            }
            return JSON.object([
                ("id", .string(String(id))), ("name", .string(s["name"])), ("description", .string(s["description"])),
                ("advertiser_id", .string(s["advertiser_id"])), ("deleted", .bool((s["deleted"] as Int) == 1)),
                ("members", .array(rows.map { .string($0["identifier"]) })), ("members_by_type", .object(byType)), ("member_count", .int(rows.count)),
                ("amendments", .int(s["amendments"])), ("adds", .int(s["adds"])), ("removes", .int(s["removes"])),
            ])
        }
        guard let json else { return KnobError(field: "id", message: "no segment \(id)").responseWith(status: 404) }
        return Knob.ok(json)
    }

    private static func config(_ body: JSON, context: SandboxContext) throws -> JSON {
        guard case .object(let members) = body else { throw KnobError(field: "body", message: "must be a JSON object") }
        var perMinute: Int?, maximum: Int?
        for (key, value) in members {
            guard let n = value.intValue, n >= 0 else { throw KnobError(field: key, message: "must be an integer, zero or more") }
            switch key {
            case "calls_per_minute": perMinute = n
            case "max_identifiers": maximum = n
            default: throw KnobError(field: key, message: "unknown setting; use calls_per_minute or max_identifiers")
            }
        }
        let updated = try context.store.write { db in
            try db.execute(sql: "UPDATE criteo_config SET calls_per_minute = coalesce(?, calls_per_minute), max_identifiers = coalesce(?, max_identifiers) WHERE id = 1",
                           arguments: [perMinute, maximum])
            return try CriteoConfig.load(db)
        }
        return .object([("config", updated.json)])
    }
}
