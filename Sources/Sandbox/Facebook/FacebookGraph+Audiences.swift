import Foundation
import GRDB

/// Customer-file Custom Audiences: list, create, read, update, delete (partners.md §1.3).
enum FacebookAudiences {
    /// Fields an audience answers.
    static let fields = [
        "id", "name", "description", "subtype", "account_id", "customer_file_source",
        "approximate_count_lower_bound", "approximate_count_upper_bound", "operation_status", "delivery_status",
        "time_created", "time_content_updated",
    ]
    static let fileSources = ["USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY", "BOTH_USER_AND_PARTNER_PROVIDED"]
    /// Customer-file audiences an ad account may hold.
    static let cap = 500
    /// Below this many members an audience cannot deliver (`delivery_status` 300).
    static let deliverableSize = 1000

    /// Graph's size estimate from the exact member count. The sandbox rule: 0 → 0/0; otherwise the lower
    /// bound is the count rounded down to two significant digits (57 → 57, 1,234 → 1,200) and the upper
    /// bound is the lower bound × 1.2, rounded to the nearest integer.
    static func approximateBounds(_ count: Int) -> (lower: Int, upper: Int) {
        guard count > 0 else { return (0, 0) }
        var magnitude = 1
        while count / magnitude >= 100 { magnitude *= 10 }
        let lower = count / magnitude * magnitude
        return (lower, Int((Double(lower) * 1.2).rounded()))
    }

    /// Every field of an audience row, in Graph's order.
    static func json(_ row: Row) -> [(String, JSON)] {
        let id: Int64 = row["id"]
        let accountID: Int = row["account_id"]
        let count: Int = row["member_count"]
        let bounds = approximateBounds(count)
        let delivery: JSON = count >= deliverableSize
            ? .object([("code", .int(200)), ("description", .string("This audience is ready for use."))])
            : .object([("code", .int(300)), ("description", .string(
                "Audience is too small: this audience is smaller than it should be for ads to be delivered, so it is inactive and cannot be used."))])
        return [
            ("id", .string(String(id))), ("name", .string(row["name"])), ("description", .string(row["description"])),
            ("subtype", .string(row["subtype"])), ("account_id", .string(String(accountID))),
            ("customer_file_source", .string(row["customer_file_source"])),
            ("approximate_count_lower_bound", .int(bounds.lower)), ("approximate_count_upper_bound", .int(bounds.upper)),
            ("operation_status", .object([("code", .int(200)), ("description", .string("Normal"))])),
            ("delivery_status", delivery),
            ("time_created", .int(row["time_created"])), ("time_content_updated", .int(row["time_content_updated"])),
        ]
    }

    /// Refuses changes while the owning account is not usable: an `account_status` other than ACTIVE (1) or
    /// IN_GRACE_PERIOD (9) [I: partners.md lists the statuses, not the error], or Custom Audience terms not accepted
    /// (200/1870034).
    static func requireUsable(_ call: GraphCall, accountRow: Row) throws {
        let accepted: Int = accountRow["tos_accepted"]
        let status: Int = accountRow["account_status"]
        let id: Int = accountRow["id"]
        if ![1, 9].contains(status) { throw GraphError.accountNotActive(status: status) }
        if accepted != 1 { throw GraphError.termsNotAccepted(termsURL: call.termsURL(accountID: id)) }
    }

    // MARK: act_<id>/customaudiences

    /// `GET /act_<id>/customaudiences`: the account's audiences that are not deleted, paged by id.
    static func list(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        try state.requireRead()
        let (accountID, _) = try FacebookAdAccounts.resolve(call, db, &state)
        try FacebookRateLimit.charge(db, accountID: accountID, audienceID: nil, state: &state)
        let selected = try GraphFields.select(call, allowed: fields, defaults: [], nodeType: "CustomAudience")
        let (limit, after) = try GraphPaging.window(call)
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM fb_audiences WHERE account_id = ? AND deleted = 0 AND id > ? ORDER BY id LIMIT ?
            """, arguments: [accountID, after ?? 0, limit + 1])
        return GraphPaging.envelope(call, limit: limit, rows: rows.map { row in
            let id: Int64 = row["id"]
            return (id, GraphFields.project(json(row), fields: selected))
        })
    }

    /// `POST /act_<id>/customaudiences` with `name`, `subtype=CUSTOM`, `customer_file_source`, `description`.
    static func create(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        try state.requireManage()
        let (accountID, accountRow) = try FacebookAdAccounts.resolve(call, db, &state)
        try FacebookRateLimit.charge(db, accountID: accountID, audienceID: nil, state: &state)
        try requireUsable(call, accountRow: accountRow)
        let params = call.params
        guard let name = params.string("name")?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else {
            throw GraphError.required("name")
        }
        guard let subtype = params.string("subtype"), !subtype.isEmpty else { throw GraphError.required("subtype") }
        guard subtype == "CUSTOM" else {
            throw GraphError.invalidParameter("Param subtype must be CUSTOM: the sandbox emulates customer-file audiences only")
        }
        guard let source = params.string("customer_file_source"), !source.isEmpty else {
            throw GraphError.required("customer_file_source")
        }
        guard fileSources.contains(source) else {
            throw GraphError.invalidParameter("Param customer_file_source must be one of {\(fileSources.joined(separator: ", "))}")
        }
        let description = params.string("description") ?? ""
        let active = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fb_audiences WHERE account_id = ? AND deleted = 0",
                                      arguments: [accountID]) ?? 0
        guard active < cap else { throw GraphError.audienceCap }
        let maxID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM fb_audiences") ?? 0
        let id = max(maxID + 1, FacebookSchema.firstAudienceID)
        let now = Int(state.now.timeIntervalSince1970)
        try db.execute(
            sql: """
                INSERT INTO fb_audiences (id, account_id, name, description, subtype, customer_file_source, time_created, time_content_updated)
                VALUES (?, ?, ?, ?, 'CUSTOM', ?, ?, ?)
                """,
            arguments: [id, accountID, name, description, source, now, now])
        return .object([("id", .string(String(id)))])
    }

    // MARK: /<ca_id>

    /// The audience of a numeric path component that the token's user can reach (deleted or not), after
    /// counting the call against its ad account. Unknown or unreachable → 100/33.
    static func resolve(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> (row: Row, account: Row) {
        let component = call.path[0]
        guard let id = Int64(component),
              let row = try Row.fetchOne(db, sql: "SELECT * FROM fb_audiences WHERE id = ?", arguments: [id]),
              let account = try FacebookAdAccounts.reachable(db, userID: state.token.userID, accountID: row["account_id"])
        else {
            throw GraphError.unsupported(call.method, objectID: component)
        }
        let accountID: Int = row["account_id"]
        state.trace.adAccount = "act_\(accountID)"
        try FacebookRateLimit.charge(db, accountID: accountID, audienceID: id, state: &state)
        return (row, account)
    }

    private static func isDeleted(_ row: Row) -> Bool {
        let deleted: Int = row["deleted"]
        return deleted == 1
    }

    /// `GET /<ca_id>?fields=…`; a deleted audience is gone (100/33).
    static func read(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        try state.requireRead()
        let (row, _) = try resolve(call, db, &state)
        if isDeleted(row) { throw GraphError.unsupported(call.method, objectID: call.path[0]) }
        let selected = try GraphFields.select(call, allowed: fields, defaults: [], nodeType: "CustomAudience")
        // Re-read: the charge above changed the counters, not the answer, but keep one source of truth.
        let fresh = try Row.fetchOne(db, sql: "SELECT * FROM fb_audiences WHERE id = ?", arguments: [row["id"] as Int64]) ?? row
        return GraphFields.project(json(fresh), fields: selected)
    }

    /// `POST /<ca_id>` with `name` and/or `description` (and `customer_file_source`) → `{"success":true}`.
    static func update(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        try state.requireManage()
        let (row, account) = try resolve(call, db, &state)
        if isDeleted(row) { throw GraphError.unsupported(call.method, objectID: call.path[0]) }
        try requireUsable(call, accountRow: account)
        // Validate everything before writing anything: the transaction commits even when the call fails.
        var name: String?
        if call.params.has("name") {
            guard let given = call.params.string("name")?.trimmingCharacters(in: .whitespacesAndNewlines), !given.isEmpty else {
                throw GraphError.required("name")
            }
            name = given
        }
        let source = call.params.string("customer_file_source")
        if let source, !fileSources.contains(source) {
            throw GraphError.invalidParameter("Param customer_file_source must be one of {\(fileSources.joined(separator: ", "))}")
        }
        let id: Int64 = row["id"]
        try db.execute(
            sql: """
                UPDATE fb_audiences SET name = coalesce(?, name), description = coalesce(?, description),
                    customer_file_source = coalesce(?, customer_file_source)
                WHERE id = ?
                """,
            arguments: [name, call.params.string("description"), source, id])
        return .object([("success", .bool(true))])
    }

    /// `DELETE /<ca_id>` → `{"success":true}`; the audience is marked deleted and drops out of lists.
    static func delete(_ call: GraphCall, _ db: Database, _ state: inout GraphContextState) throws -> JSON {
        try state.requireManage()
        let (row, _) = try resolve(call, db, &state)
        if isDeleted(row) { throw GraphError.unsupported(call.method, objectID: call.path[0]) }
        let id: Int64 = row["id"]
        try db.execute(sql: "UPDATE fb_audiences SET deleted = 1 WHERE id = ?", arguments: [id])
        return .object([("success", .bool(true))])
    }
}
