import FastCGI
import Foundation
import GRDB

/// `/_sandbox/pinterest/…`: `state`, `audiences/{id}` (a customer list's records and counters; `{id}` is the
/// customer list id, the audience id, or the client's `account:list` id), `audiences/{id}/delete` (the list and
/// its audiences gone, as if deleted in Ads Manager), `tokens/revoke`, `tokens/expire`, `config`.
enum PinterestKnobs {
    static func handle(_ request: Request, subpath: String, context: SandboxContext) -> Response? {
        let parts = subpath.split(separator: "/").map(String.init)
        do {
            if let response = try PinterestSandbox.oauth.handleTokenKnob(request, parts: parts, context: context) { return response }
            switch (request.method, parts) {
            case ("GET", ["state"]): return Knob.ok(try state(context))
            case ("GET", let p) where p.count == 2 && p[0] == "audiences": return try audience(p[1], context: context)
            case ("POST", let p) where p.count == 3 && p[0] == "audiences" && p[2] == "delete":
                let id = try context.store.write { db -> Int64? in
                    guard let id = try listID(p[1], db) else { return nil }
                    try db.execute(sql: "UPDATE pin_customer_lists SET deleted = 1 WHERE id = ?", arguments: [id])
                    try db.execute(sql: "UPDATE pin_audiences SET removed = 1 WHERE customer_list_id = ?", arguments: [id])
                    return id
                }
                guard let id else { throw KnobError(field: "id", message: "no customer list or audience \(p[1])") }
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

    /// The customer list an id names: a list id, an audience id (its rule's list) or `account:list`.
    static func listID(_ text: String, _ db: Database) throws -> Int64? {
        let last = text.split(separator: ":").last.map(String.init) ?? text
        guard let n = Int64(last) else { return nil }
        if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pin_customer_lists WHERE id = ?", arguments: [n]) == 1 { return n }
        return try Int64.fetchOne(db, sql: "SELECT customer_list_id FROM pin_audiences WHERE id = ?", arguments: [n])
    }

    private static func state(_ context: SandboxContext) throws -> JSON {
        try context.store.read { db in
            let now = try context.store.now(db)
            let accounts: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM pin_ad_accounts ORDER BY id").map { a in
                .object([("id", .string(a["id"])), ("name", .string(a["name"])), ("permissions", .string(a["permissions"])),
                         ("visible", .bool((a["visible"] as Int) == 1)), ("rate_limit_rejections", .int(a["rate_limit_rejections"]))])
            }
            let lists: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM pin_customer_lists ORDER BY id").map { l in
                let id: Int64 = l["id"]
                return .object([("id", .string(String(id))), ("ad_account_id", .string(l["ad_account_id"])), ("name", .string(l["name"])),
                                ("member_count", .int(try PinterestLists.memberCount(id, db))), ("deleted", .bool((l["deleted"] as Int) == 1))])
            }
            let audiences: [JSON] = try Row.fetchAll(db, sql: "SELECT * FROM pin_audiences ORDER BY id").map { a in
                .object([("id", .string(String(a["id"] as Int64))), ("ad_account_id", .string(a["ad_account_id"])), ("name", .string(a["name"])),
                         ("description", .string(a["description"])), ("customer_list_id", .string(String(a["customer_list_id"] as Int64))),
                         ("removed", .bool((a["removed"] as Int) == 1))])
            }
            return .object([
                ("now", .int(Int(now.timeIntervalSince1970))),
                ("user", .object([("id", .string(PinterestSchema.userID)), ("name", .string(PinterestSchema.userName)),
                                  ("username", .string(PinterestSchema.username))])),
                ("ad_accounts", .array(accounts)), ("customer_lists", .array(lists)), ("audiences", .array(audiences)),
                ("tokens", try PinterestSandbox.oauth.tokensJSON(db, now: now)), ("config", try PinterestConfig.load(db).json),
            ])
        }
    }

    private static func audience(_ text: String, context: SandboxContext) throws -> Response {
        let json: JSON? = try context.store.read { db in
            guard let id = try listID(text, db), let l = try Row.fetchOne(db, sql: "SELECT * FROM pin_customer_lists WHERE id = ?", arguments: [id])
            else { return nil }
            let records = try String.fetchAll(db, sql: "SELECT record FROM pin_members WHERE list_id = ? ORDER BY record", arguments: [id])
            let audiences = try Row.fetchAll(db, sql: "SELECT * FROM pin_audiences WHERE customer_list_id = ? ORDER BY id", arguments: [id])
            return JSON.object([
                ("id", .string(String(id))), ("ad_account_id", .string(l["ad_account_id"])), ("name", .string(l["name"])),
                ("list_type", .string(l["list_type"])), ("deleted", .bool((l["deleted"] as Int) == 1)),
                ("description", .string(audiences.first.map { $0["description"] as String } ?? "")),
                ("audiences", .array(audiences.map { .string(String($0["id"] as Int64)) })),
                ("members", .array(records.map(JSON.string))), ("member_count", .int(records.count)),
                ("batches", .int(l["num_batches"])), ("adds", .int(l["num_uploaded"])), ("removes", .int(l["num_removed"])),
            ])
        }
        guard let json else { return KnobError(field: "id", message: "no customer list \(text)").responseWith(status: 404) }
        return Knob.ok(json)
    }

    private static func config(_ body: JSON, context: SandboxContext) throws -> JSON {
        guard case .object(let members) = body else { throw KnobError(field: "body", message: "must be a JSON object") }
        var values: [String: Int] = [:]
        for (key, value) in members {
            guard PinterestConfig.keys.contains(key) else {
                throw KnobError(field: key, message: "unknown setting; use \(PinterestConfig.keys.joined(separator: ", "))")
            }
            guard let n = value.intValue, n >= 0 else { throw KnobError(field: key, message: "must be an integer, zero or more") }
            values[key] = n
        }
        let updated = try context.store.write { db in
            try db.execute(sql: """
                UPDATE pin_config SET ads_read_per_minute = coalesce(?, ads_read_per_minute), ads_write_per_minute = coalesce(?, ads_write_per_minute),
                min_audience_size = coalesce(?, min_audience_size), max_records = coalesce(?, max_records) WHERE id = 1
                """, arguments: StatementArguments(PinterestConfig.keys.map { values[$0] }))
            return try PinterestConfig.load(db)
        }
        return .object([("config", updated.json)])
    }
}
