import Core
import Foundation

/// Snap's answer to a users call: the envelope, and per schema entry how many users it took.
struct SnapUsersAnswer: SnapEnvelope {
    struct Entry: Decodable {
        struct User: Decodable { let number_uploaded_users: Int? }
        let sub_request_status: String?
        let sub_request_error_reason: String?
        let user: User?
    }
    let request_status: String?
    let users: [Entry]?
}

extension SnapchatClient {
    /// The three schemas Snap's users endpoint takes (partners.md §5.4).
    public static let schemas: Set<String> = ["EMAIL_SHA256", "PHONE_SHA256", "MOBILE_AD_ID_SHA256"]

    /// Adds (`POST`) or removes (`DELETE`) users of one schema: `{"users":[{"schema":["EMAIL_SHA256"],"data":[["<sha>"],…]}]}`.
    ///
    /// Empty values are left out and identical hashes sent once ("never send duplicate identifiers in the same
    /// batch"). Snap gives no per-user result; the receipt counts the distinct hashes sent.
    /// - Throws: ``PartnerError/invalidData(rows:message:)`` before sending when the schema is not exactly one of
    ///   Snap's, a row does not fit it, or there are too many rows; otherwise the classified Snap error.
    public func uploadUsers(segmentID: String, action: AudienceAction, schema: [String], rows: [[String]],
                            token: String) throws(PartnerError) -> UploadReceipt {
        guard schema.count == 1, let key = schema.first, Self.schemas.contains(key) else {
            throw .invalidData(rows: [], message: "snapchat: one schema per request, one of \(Self.schemas.sorted().joined(separator: ", "))")
        }
        let badRows = rows.indices.filter { rows[$0].count != 1 }
        guard badRows.isEmpty else { throw .invalidData(rows: badRows, message: "snapchat: rows do not match the schema") }
        guard rows.count <= maxUsersPerRequest else {
            throw .invalidData(rows: [], message: "snapchat: a call carries at most \(maxUsersPerRequest) users")
        }
        var seen = Set<String>()
        let hashes = rows.map { $0[0] }.filter { !$0.isEmpty && seen.insert($0).inserted }
        guard !hashes.isEmpty else { return UploadReceipt(received: 0, invalid: 0) }
        var entry: [String: Any] = ["schema": [key], "data": hashes.map { [$0] }]
        // Removal names the segment inside the entry too, as rudder's Snap destination does (partners.md §5.4).
        if action == .remove { entry["id"] = segmentID }
        let body: [String: Any] = ["users": [entry]]
        let answer = try call(action == .add ? "POST" : "DELETE", "/segments/\(FormEncoding.escape(segmentID))/users", token: token,
                              json: body, context: .segment, as: SnapUsersAnswer.self)
        if let entry = answer.users?.first, (entry.sub_request_status ?? "SUCCESS").uppercased() != "SUCCESS" {
            throw .invalidData(rows: [], message: "snapchat: users refused: \(entry.sub_request_error_reason ?? "no reason given")")
        }
        guard answer.succeeded else { throw .transient(message: "snapchat: users call answered \(answer.request_status ?? "no status")") }
        return UploadReceipt(received: hashes.count, invalid: 0)
    }
}

extension SnapchatClient: AudienceUploader {
    /// The catalog's batch size (Snap allows 100,000; 10,000 keeps one call well under the sandbox's body limits).
    public var maxUsersPerRequest: Int { PartnerInfo.of(.snapchat).maxUsersPerRequest }

    /// One schema per call; the engine already splits a batch per key (`SnapchatIdentifiers.requestGroups`).
    public func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        try uploadUsers(segmentID: audienceID, action: action, schema: schema, rows: rows, token: token)
    }
}
