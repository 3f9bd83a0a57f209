import Core
import Foundation

extension PinterestClient: AudienceUploader {
    /// Schema keys the client sends (`PinterestIdentifiers`): both go as hashed records.
    public static let schemaKeys: Set<String> = ["EMAIL", "MAID"]

    /// The catalog's batch size (Pinterest's own maximum is undocumented; partners.md §4.5 says ≤ 50,000 [I]).
    public var maxUsersPerRequest: Int { PartnerInfo.of(.pinterest).maxUsersPerRequest }

    /// Adds or removes records: `PATCH /ad_accounts/{account}/customer_lists/{list}` with
    /// `{"operation_type":"ADD"|"REMOVE","records":"<sha256>,<sha256>,…"}` (partners.md §4.3).
    ///
    /// One key per call (the engine splits by `PinterestIdentifiers.requestGroups`); empty values are left out
    /// and repeated hashes sent once. Removing from a list under 100 users is accepted by Pinterest (the list is
    /// only `TOO_SMALL` to target), so it is not an error here.
    public func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        guard let id = PinterestAudienceID.parse(audienceID) else { throw .audienceGone(message: "pinterest: \(audienceID) is not a Pinterest audience id") }
        guard schema.count == 1, let key = schema.first, Self.schemaKeys.contains(key) else {
            throw .invalidData(rows: [], message: "pinterest: one key per request, EMAIL or MAID")
        }
        let badRows = rows.indices.filter { rows[$0].count != 1 }
        guard badRows.isEmpty else { throw .invalidData(rows: badRows, message: "pinterest: rows do not match the schema") }
        guard rows.count <= maxUsersPerRequest else { throw .invalidData(rows: [], message: "pinterest: a call carries at most \(maxUsersPerRequest) records") }
        var seen = Set<String>()
        let records = rows.map { $0[0] }.filter { !$0.isEmpty && seen.insert($0).inserted }
        guard !records.isEmpty else { return UploadReceipt(received: 0, invalid: 0) }
        let path = "/ad_accounts/\(FormEncoding.escape(id.account))/customer_lists/\(FormEncoding.escape(id.customerList))"
        _ = try call("PATCH", path, token: token, json: ["operation_type": action == .add ? "ADD" : "REMOVE", "records": records.joined(separator: ",")],
                     context: .records, as: PinterestCustomerList.self)
        return UploadReceipt(received: records.count, invalid: 0)
    }
}
