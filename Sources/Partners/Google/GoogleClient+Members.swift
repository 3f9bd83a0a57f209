import Core
import Foundation

/// Data Manager's answer to ingest and remove: only "accepted" (processing is asynchronous, partners.md §3b.2).
struct GoogleIngestAnswer: Decodable {
    let requestId: String?
}

extension GoogleClient {
    /// ≤ 10,000 audience members per ingest or remove call (partners.md §3b.2, `TOO_MANY_AUDIENCE_MEMBERS`).
    public static let maxMembersPerCall = 10_000
    /// ≤ 10 user identifiers per member (§3b.2, `TOO_MANY_USER_IDENTIFIERS`).
    static let maxIdentifiersPerMember = 10

    /// The `audienceMembers[]` entry of one prepared row, or nil when the row holds no identifier Google can use (an
    /// address needs all four parts, §3b.2). Consent goes with each member on ingest only (§3b.2: remove takes none);
    /// an empty consent column is `CONSENT_STATUS_UNSPECIFIED`.
    static func member(schema: [String], row: [String], action: AudienceAction) -> [String: Any]? {
        func value(_ key: String) -> String {
            guard let index = schema.firstIndex(of: key), index < row.count else { return "" }
            return row[index]
        }
        var member: [String: Any] = [:]
        let mobile = value("MOBILE_ID")
        if !mobile.isEmpty {
            member["mobileData"] = ["mobileIds": [mobile]]
        } else {
            var identifiers: [[String: Any]] = []
            if !value("EMAIL_ADDRESS").isEmpty { identifiers.append(["emailAddress": value("EMAIL_ADDRESS")]) }
            if !value("PHONE_NUMBER").isEmpty { identifiers.append(["phoneNumber": value("PHONE_NUMBER")]) }
            let address = ["givenName": value("GIVEN_NAME"), "familyName": value("FAMILY_NAME"), "regionCode": value("REGION_CODE"),
                           "postalCode": value("POSTAL_CODE")]
            if address.values.allSatisfy({ !$0.isEmpty }) { identifiers.append(["address": address]) }
            guard !identifiers.isEmpty else { return nil }
            member["userData"] = ["userIdentifiers": Array(identifiers.prefix(maxIdentifiersPerMember))]
        }
        if action == .add {
            func consent(_ key: String) -> String { value(key).isEmpty ? "CONSENT_STATUS_UNSPECIFIED" : value(key) }
            member["consent"] = ["adUserData": consent("AD_USER_DATA"), "adPersonalization": consent("AD_PERSONALIZATION")]
        }
        return member
    }

    /// The ingest / remove body: the one destination (customer + list id; the manager as `loginAccount` when the
    /// installation acts through one), HEX encoding, and on ingest the Customer Match terms as accepted (§3b.2).
    static func ingestBody(customer: String, list: String, login: String?, members: [[String: Any]], action: AudienceAction,
                           mobile: Bool) -> [String: Any] {
        var destination: [String: Any] = ["operatingAccount": ["accountType": "GOOGLE_ADS", "accountId": customer],
                                          "productDestinationId": list]
        if let login, login != customer { destination["loginAccount"] = ["accountType": "GOOGLE_ADS", "accountId": login] }
        var body: [String: Any] = ["destinations": [destination], "audienceMembers": members]
        if !mobile { body["encoding"] = "HEX" }
        if action == .add { body["termsOfService"] = ["customerMatchTermsOfServiceStatus": "ACCEPTED"] }
        return body
    }
}

extension GoogleClient: AudienceUploader {
    /// 10,000 members per call (partners.md §3b.2).
    public var maxUsersPerRequest: Int { Self.maxMembersPerCall }

    /// `POST audienceMembers:ingest` or `:remove` (partners.md §3b.2). Rows are already normalized and hashed. Rows
    /// without a usable identifier are not sent and count as invalid; rows with a mobile id go as `mobileData` (one data
    /// type per request: the rules' request groups keep mobile ids apart from contact data).
    public func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        let (customer, list) = try Self.parseAudienceID(audienceID)
        let badRows = rows.indices.filter { rows[$0].count != schema.count }
        guard badRows.isEmpty else { throw .invalidData(rows: badRows, message: "google: rows do not match the schema") }
        guard rows.count <= Self.maxMembersPerCall else {
            throw .invalidData(rows: [], message: "google: a call carries at most \(Self.maxMembersPerCall) members")
        }
        let sent = rows.indices.compactMap { index in Self.member(schema: schema, row: rows[index], action: action).map { (index, $0) } }
        let members = sent.map(\.1)
        guard !members.isEmpty else { return UploadReceipt(received: 0, invalid: rows.count) }
        let mobile = members.contains { $0["mobileData"] != nil }
        let body = Self.ingestBody(customer: customer, list: list, login: loginCustomerID, members: members, action: action, mobile: mobile)
        do {
            _ = try call(.dataManager, "POST", action == .add ? "/audienceMembers:ingest" : "/audienceMembers:remove", body: body, token: token,
                         context: .upload, as: GoogleIngestAnswer.self)
        } catch {
            // Google numbers the members it was sent; the engine wants the rows it gave.
            if case .invalidData(let indexes, let message) = error {
                throw .invalidData(rows: indexes.compactMap { $0 < sent.count ? sent[$0].0 : nil }, message: message)
            }
            throw error
        }
        return UploadReceipt(received: members.count, invalid: rows.count - members.count)
    }
}
