import FastCGI
import Foundation
import GRDB

/// Customer Match user lists through the Google Ads API (partners.md §3.3): GAQL `FROM user_list` and
/// `customers/{id}/userLists:mutate` with `create` / `remove` operations. The list's numeric id is what Data Manager
/// calls `productDestinationId` (§3b.5: "Lists made either way have the same numeric ID").
enum GoogleUserLists {
    /// Fields of `user_list` a GAQL query may select, with their REST JSON names.
    static let fields: [(gaql: String, json: String)] = [
        ("user_list.resource_name", "resourceName"), ("user_list.id", "id"), ("user_list.name", "name"),
        ("user_list.description", "description"), ("user_list.size_for_display", "sizeForDisplay"),
        ("user_list.size_for_search", "sizeForSearch"), ("user_list.membership_status", "membershipStatus"),
        ("user_list.membership_life_span", "membershipLifeSpan"), ("user_list.type", "type"),
        ("user_list.crm_based_user_list.upload_key_type", "crmBasedUserList.uploadKeyType"),
    ]

    /// Ads `uploadKeyType` ↔ the stored Data Manager key type.
    static let keyTypes: [String: String] = ["CONTACT_INFO": "CONTACT_ID", "CRM_ID": "USER_ID", "MOBILE_ADVERTISING_ID": "MOBILE_ID"]

    /// Google shows 0 until a list has `sizeFloor` members (partners.md §3.6); int64 values travel as JSON strings.
    static func size(_ db: Database, listID: Int64, floor: Int) throws -> Int {
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM google_members WHERE list_id = ?", arguments: [listID]) ?? 0
        return count >= floor ? count : 0
    }

    /// `SELECT user_list.… FROM user_list`: every live list of the customer, in id order.
    static func search(_ db: Database, customerID: String, fields selected: [String]) throws -> JSON {
        let floor = try GoogleConfig.load(db).sizeFloor
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM google_user_lists WHERE customer_id = ? AND deleted = 0 ORDER BY id",
                                    arguments: [customerID])
        let results: [JSON] = try rows.map { row in
            let id: Int64 = row["id"]
            let size = try size(db, listID: id, floor: floor)
            let keyType: String = row["upload_key_type"]
            let values: [String: JSON] = [
                "id": .string(String(id)), "name": .string(row["display_name"]), "description": .string(row["description"]),
                "sizeForDisplay": .string(String(size)), "sizeForSearch": .string(String(size)), "membershipStatus": .string("OPEN"),
                "membershipLifeSpan": .string(String(row["membership_days"] as Int)), "type": .string("CRM_BASED"),
                "crmBasedUserList.uploadKeyType": .string(keyTypes.first { $0.value == keyType }?.key ?? keyType),
            ]
            var list: [(String, JSON)] = [("resourceName", .string("customers/\(customerID)/userLists/\(id)"))]
            var crm: [(String, JSON)] = []
            for field in fields where selected.contains(field.gaql) && field.json != "resourceName" {
                if field.json.hasPrefix("crmBasedUserList.") {
                    crm.append((String(field.json.dropFirst("crmBasedUserList.".count)), values[field.json] ?? .null))
                } else {
                    list.append((field.json, values[field.json] ?? .null))
                }
            }
            if !crm.isEmpty { list.append(("crmBasedUserList", .object(crm))) }
            return .object([("userList", .object(list))])
        }
        var answer: [(String, JSON)] = []
        if !results.isEmpty { answer.append(("results", .array(results))) }   // REST leaves out an empty `results`
        answer += [("fieldMask", .string(selected.map(GoogleAdsAPI.camelMask).joined(separator: ","))),
                   ("requestId", .string(GoogleIDs.requestID()))]
        return .object(answer)
    }

    /// `POST customers/{id}/userLists:mutate` with `{"operations":[{"create":{…}}|{"remove":"customers/…/userLists/…"}]}`.
    static func mutate(_ call: GoogleCall, _ db: Database, _ state: inout GoogleState, customerID: String) throws -> JSON {
        _ = try GoogleAPI.customer(db, id: customerID, login: call.request.header("login-customer-id"), userID: state.token.userID,
                                   denied: deniedCustomer)
        state.adAccount = customerID
        let body = JSON.object(try call.body())
        guard let operations = body["operations"]?.arrayValue, !operations.isEmpty else {
            throw GoogleStatusError.ads(code: 400, status: "INVALID_ARGUMENT", message: "The required field was not present.",
                                        family: "fieldError", value: "REQUIRED")
        }
        var results: [JSON] = []
        for operation in operations {
            if let create = operation["create"] {
                results.append(.object([("resourceName", .string(try self.create(create, db, customerID: customerID, now: state.now)))]))
            } else if let name = operation["remove"]?.stringValue {
                results.append(.object([("resourceName", .string(try remove(name, db, customerID: customerID)))]))
            } else {
                throw GoogleStatusError.ads(code: 400, status: "INVALID_ARGUMENT", message: "The operation is not create or remove.",
                                            family: "mutateError", value: "UNSUPPORTED_OPERATION")   // [I]
            }
        }
        return .object([("results", .array(results))])
    }

    static let deniedCustomer = GoogleStatusError.ads(
        code: 403, status: "PERMISSION_DENIED", message: "User doesn't have permission to access customer.",
        family: "authorizationError", value: "USER_PERMISSION_DENIED")

    private static func create(_ list: JSON, _ db: Database, customerID: String, now: Date) throws -> String {
        func bad(_ family: String, _ value: String, _ message: String) -> GoogleStatusError {
            .ads(code: 400, status: "INVALID_ARGUMENT", message: message, family: family, value: value)
        }
        guard let name = list["name"]?.stringValue?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw bad("fieldError", "REQUIRED", "The required field was not present: user_list.name.")
        }
        guard let adsKey = list["crmBasedUserList"]?["uploadKeyType"]?.stringValue, let keyType = keyTypes[adsKey] else {
            throw bad("userListError", "UPLOAD_KEY_TYPE_REQUIRED", "A Customer Match list needs crmBasedUserList.uploadKeyType.")   // [I]
        }
        let appID = list["crmBasedUserList"]?["appId"]?.stringValue
        if keyType == "MOBILE_ID", (appID ?? "").isEmpty { throw bad("userListError", "APP_ID_NOT_SET", "appId is required for mobile ids.") }
        let spanText = list["membershipLifeSpan"].map { $0.plainText } ?? "10000"
        guard let span = Int(spanText), (0...540).contains(span) || span == 10000 else {
            throw bad("rangeError", "TOO_HIGH", "membership_life_span is 0 to 540 days, or 10000 for unlimited.")
        }
        let taken = try Bool.fetchOne(db, sql: "SELECT 1 FROM google_user_lists WHERE customer_id = ? AND display_name = ? AND deleted = 0",
                                      arguments: [customerID, name]) ?? false
        if taken { throw bad("userListError", "NAME_ALREADY_USED", "Name is already being used for another user list for the account.") }
        let next = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM google_user_lists") ?? GoogleSchema.firstListID - 1) + 1
        try db.execute(
            sql: """
                INSERT INTO google_user_lists (id, customer_id, display_name, description, upload_key_type, mobile_key_space, mobile_app_id,
                    membership_days, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [next, customerID, name, list["description"]?.stringValue ?? "", keyType, keyType == "MOBILE_ID" ? "IOS" : nil,
                        keyType == "MOBILE_ID" ? appID : nil, span, now.timeIntervalSince1970])
        return "customers/\(customerID)/userLists/\(next)"
    }

    private static func remove(_ resourceName: String, _ db: Database, customerID: String) throws -> String {
        let parts = resourceName.split(separator: "/").map(String.init)
        guard parts.count == 4, parts[0] == "customers", parts[1] == customerID, parts[2] == "userLists", let id = Int64(parts[3]) else {
            throw GoogleStatusError.ads(code: 400, status: "INVALID_ARGUMENT", message: "Resource name '\(resourceName)' is malformed.",
                                        family: "requestError", value: "INVALID_RESOURCE_NAME")
        }
        try db.execute(sql: "UPDATE google_user_lists SET deleted = 1 WHERE id = ? AND customer_id = ? AND deleted = 0", arguments: [id, customerID])
        guard db.changesCount == 1 else {
            throw GoogleStatusError.ads(code: 404, status: "NOT_FOUND", message: "Resource was not found.", family: "mutateError", value: "RESOURCE_NOT_FOUND")
        }
        return resourceName
    }
}
