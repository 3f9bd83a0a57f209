import FastCGI
import Foundation
import GRDB

/// The Data Manager IngestionService (partners.md §3b.2): `POST audienceMembers:ingest` and `audienceMembers:remove`.
/// Every check answers the `google.rpc.Status` of §3b.4 with a `BadRequest.fieldViolations` reason; one bad member fails
/// the whole call [I, §3b.4]. Accepted members are stored per list and identifier, so tests see exactly what arrived.
enum GoogleIngestion {
    /// §3b.2 limits.
    static let maxMembers = 10_000
    static let maxIdentifiers = 10
    static let maxDestinations = 10
    static let consentValues: Set<String> = ["CONSENT_GRANTED", "CONSENT_DENIED", "CONSENT_STATUS_UNSPECIFIED"]

    static func handle(_ call: GoogleCall, notes: inout RequestNotes) -> Response {
        let kind: String? = switch call.path {
        case ["audienceMembers:ingest"]: "ingest"
        case ["audienceMembers:remove"]: "remove"
        default: nil
        }
        guard let kind, call.request.method == "POST" else {
            let error = GoogleStatusError(code: 404, status: "NOT_FOUND", message: "The requested URL was not found on this server.")
            return error.response(recording: &notes)
        }
        return GoogleAPI.authed(call, scope: GoogleTokens.dataManagerScope, notes: &notes) { c, db, s in
            try GoogleRateLimit.charge(db, .ingestionMutate, state: &s)
            return try ingest(c, db, &s, remove: kind == "remove")
        }
    }

    /// One destination that passed its checks.
    struct Destination { let reference: String?; let listID: Int64; let keyType: String }

    private static func ingest(_ call: GoogleCall, _ db: Database, _ state: inout GoogleState, remove: Bool) throws -> JSON {
        let body = JSON.object(try call.body())
        let allowed: Set<String> = remove ? ["destinations", "audienceMembers", "encoding", "encryptionInfo", "validateOnly"]
            : ["destinations", "audienceMembers", "consent", "encoding", "encryptionInfo", "termsOfService", "validateOnly"]
        if case .object(let members) = body, let unknown = members.first(where: { !allowed.contains($0.0) }) {
            throw GoogleStatusError.badJSON("Unknown name \"\(unknown.0)\": Cannot find field.")
        }
        let destinations = try checkDestinations(body["destinations"], db, &state)
        guard let members = body["audienceMembers"]?.arrayValue, !members.isEmpty else {
            throw GoogleStatusError.invalid("audience_members", "REQUIRED_FIELD_MISSING", "Audience members are required.")
        }
        guard members.count <= maxMembers else {
            throw GoogleStatusError.invalid("audience_members", "TOO_MANY_AUDIENCE_MEMBERS",
                                            "Too many audience members: at most \(maxMembers) per request.")
        }
        let requestConsent = try consent(body["consent"], field: "consent")
        let parsed = try members.enumerated().map { index, member in
            try GoogleMembers.parse(member, index: index, remove: remove, references: destinations.compactMap(\.reference))
        }
        let types = Set(parsed.map(\.dataType))
        guard types.count == 1, let dataType = types.first else {
            throw GoogleStatusError.invalid("audience_members", "MULTIPLE_DATA_TYPES_NOT_ALLOWED", "All audience members must have the same data type.")
        }
        if dataType == "userData", body["encoding"]?.stringValue == nil {
            throw GoogleStatusError.invalid("encoding", "REQUIRED_FIELD_MISSING", "Encoding is required for user data.")
        }
        if let encoding = body["encoding"]?.stringValue, encoding != "HEX" {
            throw GoogleStatusError.invalid("encoding", "INVALID_ARGUMENT", "The sandbox takes HEX encoding only.")   // [I]
        }
        if !remove, ["userData", "mobileData"].contains(dataType),
           body["termsOfService"]?["customerMatchTermsOfServiceStatus"]?.stringValue != "ACCEPTED" {
            throw GoogleStatusError.invalid("terms_of_service", "TERMS_AND_CONDITIONS_NOT_SIGNED",
                                            "The Customer Match terms of service must be accepted.")
        }
        for destination in destinations where (destination.keyType == "CONTACT_ID") != (dataType == "userData")
            || (destination.keyType == "MOBILE_ID") != (dataType == "mobileData") {
            throw GoogleStatusError.invalid("destinations", "INVALID_USER_LIST_TYPE",
                                            "The user list \(destination.listID) takes \(destination.keyType) data, not \(dataType).")
        }
        let requestID = GoogleIDs.requestID()
        if body["validateOnly"]?.boolValue == true { return .object([("requestId", .string(requestID))]) }
        try store(parsed, destinations: destinations, requestConsent: requestConsent, remove: remove, db)
        try db.execute(sql: """
            INSERT INTO google_ingest_requests (request_id, kind, destinations, data_type, record_count, identifier_count, at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [requestID, remove ? "remove" : "ingest", destinations.map { String($0.listID) }.joined(separator: ","),
                             dataType, parsed.count, parsed.reduce(0) { $0 + $1.identifiers.count }, state.now.timeIntervalSince1970])
        return .object([("requestId", .string(requestID))])
    }

    /// Consent members must be enum values; absent means unspecified. Denied consent is not refused here: Google reports it
    /// later as `PROCESSING_ERROR_REASON_DENIED_CONSENT` (§3b.4), so the call itself is accepted and the value stored.
    static func consent(_ value: JSON?, field: String) throws -> GoogleMembers.Consent? {
        guard let value else { return nil }
        let user = value["adUserData"]?.stringValue ?? "CONSENT_STATUS_UNSPECIFIED"
        let personalization = value["adPersonalization"]?.stringValue ?? "CONSENT_STATUS_UNSPECIFIED"
        guard consentValues.contains(user), consentValues.contains(personalization) else {
            throw GoogleStatusError.badJSON("Invalid value at '\(field)': consent is CONSENT_GRANTED, CONSENT_DENIED or CONSENT_STATUS_UNSPECIFIED.")
        }
        return GoogleMembers.Consent(adUserData: user, adPersonalization: personalization)
    }

    private static func checkDestinations(_ value: JSON?, _ db: Database, _ state: inout GoogleState) throws -> [Destination] {
        guard let items = value?.arrayValue, !items.isEmpty else {
            throw GoogleStatusError.invalid("destinations", "REQUIRED_FIELD_MISSING", "At least one destination is required.")
        }
        guard items.count <= maxDestinations else {
            throw GoogleStatusError.invalid("destinations", "TOO_MANY_DESTINATIONS", "At most \(maxDestinations) destinations per request.")
        }
        return try items.enumerated().map { index, item in
            let field = "destinations[\(index)]"
            guard item["operatingAccount"]?["accountType"]?.stringValue == "GOOGLE_ADS",
                  let account = item["operatingAccount"]?["accountId"]?.stringValue else {
                throw GoogleStatusError.invalid(field + ".operating_account", "INVALID_DESTINATION",
                                                "operatingAccount needs accountType GOOGLE_ADS and a digits-only accountId.")
            }
            var login: String?
            if let loginAccount = item["loginAccount"] {
                guard loginAccount["accountType"]?.stringValue == "GOOGLE_ADS", let id = loginAccount["accountId"]?.stringValue else {
                    throw GoogleStatusError.invalid(field + ".login_account", "INVALID_DESTINATION", "loginAccount needs accountType GOOGLE_ADS.")
                }
                login = id
            }
            let customer = try GoogleAPI.customer(db, id: account, login: login, userID: state.token.userID,
                                                  denied: .permissionDenied("the operating account \(account)"))
            guard (customer["customer_data_terms"] as Int) == 1 else {
                throw GoogleStatusError.invalid(field + ".operating_account", "TERMS_AND_CONDITIONS_NOT_SIGNED",
                                                "The operating account has not accepted the customer data terms.")
            }
            state.adAccount = account
            guard let idText = item["productDestinationId"]?.stringValue, let listID = Int64(idText),
                  let row = try Row.fetchOne(db, sql: "SELECT * FROM google_user_lists WHERE id = ? AND customer_id = ? AND deleted = 0",
                                             arguments: [listID, account]) else {
                throw GoogleStatusError.invalid(field + ".product_destination_id", "INVALID_USER_LIST_ID",
                                                "The user list does not exist in the operating account, or was removed.")
            }
            return Destination(reference: item["reference"]?.stringValue, listID: listID, keyType: row["upload_key_type"])
        }
    }

    private static func store(_ members: [GoogleMembers.Member], destinations: [Destination], requestConsent: GoogleMembers.Consent?,
                              remove: Bool, _ db: Database) throws {
        for destination in destinations {
            for member in members where member.references.isEmpty || destination.reference.map(member.references.contains) == true {
                let consent = member.consent ?? requestConsent ?? GoogleMembers.Consent.unspecified
                for identifier in member.identifiers {
                    if remove {
                        try db.execute(sql: "DELETE FROM google_members WHERE list_id = ? AND identifier = ?", arguments: [destination.listID, identifier])
                    } else {
                        try db.execute(sql: """
                            INSERT INTO google_members (list_id, identifier, ad_user_data, ad_personalization) VALUES (?, ?, ?, ?)
                            ON CONFLICT (list_id, identifier) DO UPDATE SET ad_user_data = excluded.ad_user_data,
                                ad_personalization = excluded.ad_personalization
                            """, arguments: [destination.listID, identifier, consent.adUserData, consent.adPersonalization])
                    }
                }
                let column = remove ? "members_removed" : "members_added"
                try db.execute(sql: "UPDATE google_user_lists SET \(column) = \(column) + 1 WHERE id = ?", arguments: [destination.listID])
            }
            try db.execute(sql: "UPDATE google_user_lists SET requests = requests + 1 WHERE id = ?", arguments: [destination.listID])
        }
    }
}
