import Core
import Foundation

extension TikTokClient {
    /// Users one mapping call may carry (partners.md §2.4: 10k per request).
    public static let maxUsersPerCall = 10_000

    /// Adds (`action:"add"`) or removes (`action:"delete"`) users through `POST /segment/mapping/` (partners.md §2.4).
    ///
    /// `rows` are already normalized and hashed, one entry per `schema` key (`EMAIL_SHA256`, …), `""` where
    /// unknown; a missing id is sent as `{}` at its position, and a row with no id at all is not sent.
    /// - Returns: the rows sent and the rows left out for having no id.
    /// - Throws: ``PartnerError/invalidData(rows:message:)`` before sending when a row does not fit the schema or
    ///   there are more than 10,000 rows; otherwise the classified TikTok error.
    public func mapUsers(advertiser: String, audience: String, action: AudienceAction, schema: [String], rows: [[String]],
                         token: String) throws(PartnerError) -> (sent: Int, skipped: Int) {
        let badRows = rows.indices.filter { rows[$0].count != schema.count }
        guard badRows.isEmpty else { throw .invalidData(rows: badRows, message: "tiktok: rows do not match the schema") }
        guard rows.count <= Self.maxUsersPerCall, !schema.isEmpty else {
            throw .invalidData(rows: [], message: "tiktok: a call carries 1 to \(Self.maxUsersPerCall) users and one id type or more")
        }
        let batch: [[[String: Any]]] = rows.filter { $0.contains { !$0.isEmpty } }.map { row in
            row.map { value in value.isEmpty ? [:] : ["id": value, "audience_ids": [audience]] }
        }
        guard !batch.isEmpty else { return (0, rows.count) }
        let body: [String: Any] = [
            "advertiser_ids": [advertiser], "action": action == .add ? "add" : "delete", "id_schema": schema, "batch_data": batch,
        ]
        _ = try call("POST", "/segment/mapping/", token: token, json: body, context: .mapping, as: TikTokEmpty.self)
        return (batch.count, rows.count - batch.count)
    }
}

extension TikTokClient: AudienceUploader {
    /// 10,000 users per call (partners.md §2.4).
    public var maxUsersPerRequest: Int { Self.maxUsersPerCall }

    /// Streaming mapping of the rows into the audience `<advertiser>:<audience>`. TikTok reports no match or
    /// invalid counts (§2.4), so `invalid` counts only the rows without any id.
    public func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        let (advertiser, audience) = try TikTokAudienceID.require(audienceID)
        let result = try mapUsers(advertiser: advertiser, audience: audience, action: action, schema: schema, rows: rows, token: token)
        return UploadReceipt(received: result.sent, invalid: result.skipped)
    }
}
