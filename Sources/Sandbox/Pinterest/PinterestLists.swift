import FastCGI
import Foundation
import GRDB

/// Customer lists and CUSTOMER_LIST audiences (partners.md §4.3): list (paged by `bookmark`), create, get,
/// and the audience's `PATCH` (`UPDATE` or `REMOVE`, Pinterest's only way to delete one).
enum PinterestLists {
    static let listTypes: Set<String> = ["EMAIL", "IDFA", "MAID", "LR_ID", "DLX_ID", "HASHED_PINNER_ID"]

    /// A live customer list of the account; unknown, deleted or another account's → 404.
    static func findList(_ idText: String, account: String, _ call: PinCall) throws -> Row {
        guard let id = Int64(idText), let row = try Row.fetchOne(call.db, sql: """
            SELECT * FROM pin_customer_lists WHERE id = ? AND ad_account_id = ? AND deleted = 0
            """, arguments: [id, account]) else { throw PinError.notFound("Customer list \(idText)") }
        return row
    }

    /// A live audience of the account; unknown, removed or another account's → 404.
    static func findAudience(_ idText: String, account: String, _ call: PinCall) throws -> Row {
        guard let id = Int64(idText), let row = try Row.fetchOne(call.db, sql: """
            SELECT * FROM pin_audiences WHERE id = ? AND ad_account_id = ? AND removed = 0
            """, arguments: [id, account]) else { throw PinError.notFound("Audience \(idText)") }
        return row
    }

    static func memberCount(_ listID: Int64, _ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pin_members WHERE list_id = ?", arguments: [listID]) ?? 0
    }

    /// `PROCESSING` is never shown (matching is instant here): `UPLOADING` before the first batch, then `READY`
    /// from `min_audience_size` members and `TOO_SMALL` under it.
    static func customerListJSON(_ row: Row, _ call: PinCall) throws -> JSON {
        let id: Int64 = row["id"]
        let count = try memberCount(id, call.db)
        let batches: Int = row["num_batches"]
        let status = batches == 0 ? "UPLOADING" : (count >= call.config.minAudienceSize ? "READY" : "TOO_SMALL")
        return .object([
            ("id", .string(String(id))), ("ad_account_id", .string(row["ad_account_id"])), ("name", .string(row["name"])),
            ("type", .string("customerlist")), ("status", .string(status)), ("num_batches", .int(batches)),
            ("num_uploaded_user_records", .int(row["num_uploaded"])), ("num_removed_user_records", .int(row["num_removed"])),
            ("exceptions", .object([])), ("created_time", .int(Int(row["created_at"] as Double))),
            ("updated_time", .int(Int(row["updated_at"] as Double))),
        ])
    }

    static func audienceJSON(_ row: Row, _ call: PinCall) throws -> JSON {
        let listID: Int64 = row["customer_list_id"]
        let count = try memberCount(listID, call.db)
        return .object([
            ("id", .string(String(row["id"] as Int64))), ("ad_account_id", .string(row["ad_account_id"])), ("name", .string(row["name"])),
            ("audience_type", .string("CUSTOMER_LIST")), ("description", .string(row["description"])),
            ("rule", .object([("customer_list_id", .string(String(listID)))])), ("size", .int(count)),
            ("status", .string(count >= call.config.minAudienceSize ? "READY" : "TOO_SMALL")), ("type", .string("audience")),
            ("created_timestamp", .int(Int(row["created_at"] as Double))), ("updated_timestamp", .int(Int(row["updated_at"] as Double))),
        ])
    }

    static func listCustomerLists(_ account: String, _ call: PinCall) throws -> JSON {
        let (size, offset) = try call.page()
        let rows = try Row.fetchAll(call.db, sql: "SELECT * FROM pin_customer_lists WHERE ad_account_id = ? AND deleted = 0 ORDER BY id LIMIT ? OFFSET ?",
                                    arguments: [account, size + 1, offset])
        return PinCall.pageJSON(try rows.map { try customerListJSON($0, call) }, size: size, offset: offset)
    }

    static func listAudiences(_ account: String, _ call: PinCall) throws -> JSON {
        let (size, offset) = try call.page()
        let rows = try Row.fetchAll(call.db, sql: "SELECT * FROM pin_audiences WHERE ad_account_id = ? AND removed = 0 ORDER BY id LIMIT ? OFFSET ?",
                                    arguments: [account, size + 1, offset])
        return PinCall.pageJSON(try rows.map { try audienceJSON($0, call) }, size: size, offset: offset)
    }

    /// `POST customer_lists` `{"name","records","list_type"}`. `records` is required; an empty string is
    /// accepted (a list created before its first batch) [I: the spec does not say whether it may be empty].
    static func createCustomerList(_ account: String, _ call: PinCall) throws -> JSON {
        let body = try call.body()
        guard let name = body["name"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw PinError.invalid("name is required") }
        guard let records = body["records"]?.stringValue else { throw PinError.invalid("records is required (one comma-separated string)") }
        let listType = body["list_type"]?.stringValue ?? "EMAIL"
        guard listTypes.contains(listType) else { throw PinError.invalid("list_type must be one of \(listTypes.sorted().joined(separator: ", "))") }
        let id = max(PinterestSchema.firstListID, (try Int64.fetchOne(call.db, sql: "SELECT MAX(id) FROM pin_customer_lists") ?? 0) + 1)
        let t = call.now.timeIntervalSince1970
        try call.db.execute(sql: """
            INSERT INTO pin_customer_lists (id, ad_account_id, name, list_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [id, account, name, listType, t, t])
        if !records.isEmpty { try PinterestRecords.apply(listID: id, add: true, PinterestRecords.parse(records, max: call.config.maxRecords), call) }
        return try customerListJSON(try findList(String(id), account: account, call), call)
    }

    /// `POST audiences` `{"name","audience_type":"CUSTOMER_LIST","rule":{"customer_list_id"},"description"}`.
    static func createAudience(_ account: String, _ call: PinCall) throws -> JSON {
        let body = try call.body()
        guard let name = body["name"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw PinError.invalid("name is required") }
        guard body["audience_type"]?.stringValue == "CUSTOMER_LIST" else {
            throw PinError.invalid("audience_type must be CUSTOMER_LIST here (VISITOR, ENGAGEMENT, ACTALIKE and PERSONA are not emulated)")
        }
        guard let listID = body["rule"]?["customer_list_id"]?.plainText, !listID.isEmpty else { throw PinError.invalid("rule.customer_list_id is required") }
        let list = try findList(listID, account: account, call)
        let description = body["description"]?.stringValue ?? ""
        let id = max(PinterestSchema.firstAudienceID, (try Int64.fetchOne(call.db, sql: "SELECT MAX(id) FROM pin_audiences") ?? 0) + 1)
        let t = call.now.timeIntervalSince1970
        try call.db.execute(sql: """
            INSERT INTO pin_audiences (id, ad_account_id, name, description, customer_list_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, account, name, description, list["id"] as Int64, t, t])
        return try audienceJSON(try findAudience(String(id), account: account, call), call)
    }

    /// `PATCH audiences/{id}` `{"operation_type":"UPDATE"|"REMOVE", "name"?, "description"?}`.
    static func updateAudience(_ row: Row, _ call: PinCall) throws -> JSON {
        let body = try call.body()
        let id: Int64 = row["id"]
        switch body["operation_type"]?.stringValue {
        case "REMOVE":
            try call.db.execute(sql: "UPDATE pin_audiences SET removed = 1, updated_at = ? WHERE id = ?", arguments: [call.now.timeIntervalSince1970, id])
            return try audienceJSON(row, call)
        case "UPDATE":
            try call.db.execute(sql: """
                UPDATE pin_audiences SET name = coalesce(?, name), description = coalesce(?, description), updated_at = ? WHERE id = ?
                """, arguments: [body["name"]?.stringValue, body["description"]?.stringValue, call.now.timeIntervalSince1970, id])
            return try audienceJSON(try findAudience(String(id), account: row["ad_account_id"], call), call)
        default:
            throw PinError.invalid("operation_type must be UPDATE or REMOVE")
        }
    }
}
