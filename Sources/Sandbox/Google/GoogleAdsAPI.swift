import FastCGI
import Foundation
import GRDB

/// The part of the Google Ads API (v22) the client still needs: listing accessible customers, reading each one's
/// name through GAQL (partners.md §3.2, §3b.5) and listing / creating / removing Customer Match user lists (§3.3; members
/// go through Data Manager). Every call needs the `adwords` scope and the `developer-token` header.
enum GoogleAdsAPI {
    /// Fields of the `customer` resource a GAQL query may select, with their JSON names.
    static let customerFields: [(gaql: String, json: String)] = [
        ("customer.resource_name", "resourceName"), ("customer.id", "id"), ("customer.descriptive_name", "descriptiveName"),
        ("customer.currency_code", "currencyCode"), ("customer.time_zone", "timeZone"), ("customer.manager", "manager"),
        ("customer.status", "status"),
        ("customer.customer_agreement_setting.accepted_customer_data_terms", "customerAgreementSetting"),
    ]

    static func handle(_ call: GoogleCall, notes: inout RequestNotes) -> Response {
        let p = call.path, m = call.request.method
        if p == ["customers:listAccessibleCustomers"], m == "GET" {
            return GoogleAPI.authed(call, scope: GoogleTokens.adwordsScope, notes: &notes) { c, db, s in
                try developerToken(c, s)
                return try listAccessible(db, s)
            }
        }
        if p.count == 3, p[0] == "customers", p[2] == "googleAds:search", m == "POST" {
            return GoogleAPI.authed(call, scope: GoogleTokens.adwordsScope, notes: &notes) { c, db, s in
                try developerToken(c, s)
                return try search(c, db, &s, customerID: p[1])
            }
        }
        if p.count == 3, p[0] == "customers", p[2] == "userLists:mutate", m == "POST" {
            return GoogleAPI.authed(call, scope: GoogleTokens.adwordsScope, notes: &notes) { c, db, s in
                try developerToken(c, s)
                return try GoogleUserLists.mutate(c, db, &s, customerID: p[1])
            }
        }
        let error = GoogleStatusError(code: 404, status: "NOT_FOUND", message: "The requested URL /\(p.joined(separator: "/")) was not found on this server.")
        return error.response(recording: &notes)
    }

    /// A missing or unknown developer token is refused before anything else [I: 401 with `authenticationError`, as the
    /// Google Ads API reports credential problems].
    static func developerToken(_ call: GoogleCall, _ state: GoogleState) throws {
        guard let given = call.request.header("developer-token"), !given.isEmpty else {
            throw GoogleStatusError.ads(code: 401, status: "UNAUTHENTICATED", message: "The developer token is missing from the request.",
                                        family: "authenticationError", value: "DEVELOPER_TOKEN_PARAMETER_MISSING")
        }
        guard given == state.config.developerToken else {
            throw GoogleStatusError.ads(code: 401, status: "UNAUTHENTICATED", message: "The developer token is not valid.",
                                        family: "authenticationError", value: "DEVELOPER_TOKEN_INVALID")
        }
    }

    /// `GET /customers:listAccessibleCustomers` → `{"resourceNames":["customers/…"]}`: every customer the user reaches
    /// directly, managers included (the caller must filter them).
    private static func listAccessible(_ db: Database, _ state: GoogleState) throws -> JSON {
        let ids = try String.fetchAll(db, sql: "SELECT customer_id FROM google_customer_access WHERE user_id = ? ORDER BY customer_id",
                                      arguments: [state.token.userID])
        return .object([("resourceNames", .array(ids.map { .string("customers/" + $0) }))])
    }

    /// `POST /customers/{id}/googleAds:search` with `{"query":"SELECT customer.… FROM customer"}`.
    private static func search(_ call: GoogleCall, _ db: Database, _ state: inout GoogleState, customerID: String) throws -> JSON {
        let denied = GoogleStatusError.ads(
            code: 403, status: "PERMISSION_DENIED",
            message: "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.",
            family: "authorizationError", value: "USER_PERMISSION_DENIED")
        let row = try GoogleAPI.customer(db, id: customerID, login: call.request.header("login-customer-id"), userID: state.token.userID, denied: denied)
        state.adAccount = customerID
        let body = try call.body()
        guard let query = body.first(where: { $0.0 == "query" })?.1.stringValue, !query.isEmpty else {
            throw GoogleStatusError.ads(code: 400, status: "INVALID_ARGUMENT", message: "The query is empty.", family: "queryError", value: "QUERY_ERROR")
        }
        let (resource, selected) = try parse(query)
        let status: String = row["status"]
        guard status == "ENABLED" else {
            throw GoogleStatusError.ads(code: 403, status: "PERMISSION_DENIED", message: "The customer account can't be accessed because it is not yet enabled or has been deactivated.",
                                        family: "authorizationError", value: "CUSTOMER_NOT_ENABLED")
        }
        if resource == "user_list" { return try GoogleUserLists.search(db, customerID: customerID, fields: selected) }
        let manager: Int = row["manager"]
        let values: [String: JSON] = [
            "resourceName": .string("customers/\(customerID)"), "id": .string(customerID), "descriptiveName": .string(row["name"]),
            "currencyCode": .string(row["currency"]), "timeZone": .string(row["time_zone"]), "manager": .bool(manager == 1),
            "status": .string(status),
            "customerAgreementSetting": .object([("acceptedCustomerDataTerms", .bool((row["customer_data_terms"] as Int) == 1))]),
        ]
        var customer: [(String, JSON)] = [("resourceName", .string("customers/\(customerID)"))]
        for field in customerFields where selected.contains(field.gaql) && field.json != "resourceName" {
            customer.append((field.json, values[field.json] ?? .null))
        }
        return .object([("results", .array([.object([("customer", .object(customer))])])),
                        ("fieldMask", .string(selected.map(camelMask).joined(separator: ","))),
                        ("requestId", .string(GoogleIDs.requestID()))])
    }

    /// The resource and selected fields of `SELECT a, b FROM customer|user_list [LIMIT n]`; anything else is a query error.
    static func parse(_ query: String) throws -> (resource: String, fields: [String]) {
        let words = query.trimmingCharacters(in: .whitespacesAndNewlines)
        let upper = words.uppercased()
        guard upper.hasPrefix("SELECT "), let from = upper.range(of: " FROM ") else {
            throw GoogleStatusError.ads(code: 400, status: "INVALID_ARGUMENT", message: "Error in query: expected SELECT … FROM ….",
                                        family: "queryError", value: "UNEXPECTED_END_OF_QUERY")
        }
        let resource = words[from.upperBound...].split(separator: " ").first.map(String.init) ?? ""
        guard ["customer", "user_list"].contains(resource.lowercased()) else {
            throw GoogleStatusError.ads(code: 400, status: "INVALID_ARGUMENT",
                                        message: "The sandbox answers GAQL on the customer and user_list resources only, not '\(resource)'.",
                                        family: "queryError", value: "PROHIBITED_RESOURCE_TYPE_IN_FROM_CLAUSE")
        }
        let start = words.index(words.startIndex, offsetBy: 7)
        let fields = words[start..<from.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let known = Set(resource.lowercased() == "customer" ? customerFields.map(\.gaql) : GoogleUserLists.fields.map(\.gaql))
        if let bad = fields.first(where: { !known.contains($0) }) {
            throw GoogleStatusError.ads(code: 400, status: "INVALID_ARGUMENT", message: "Error in SELECT clause: invalid field name '\(bad)'.",
                                        family: "queryError", value: "UNRECOGNIZED_FIELD")
        }
        return (resource.lowercased(), fields)
    }

    /// `customer.descriptive_name` → `customer.descriptiveName`, as the REST `fieldMask` spells fields.
    static func camelMask(_ field: String) -> String {
        var out = "", upperNext = false
        for character in field {
            if character == "_" { upperNext = true; continue }
            out.append(upperNext ? Character(character.uppercased()) : character)
            upperNext = false
        }
        return out
    }
}
