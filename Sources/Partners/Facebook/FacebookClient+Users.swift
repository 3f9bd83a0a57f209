import Core
import Foundation

/// Facebook's answer to an add or remove call.
public struct FacebookUploadResult: Sendable, Equatable, Decodable {
    /// Rows Facebook received (in the session, when one is used).
    public let numReceived: Int
    /// Rows Facebook judged badly hashed or formatted (an estimate, per Facebook).
    public let numInvalidEntries: Int
    /// Up to 100 samples of invalid entries.
    public let invalidEntrySamples: [String: String]

    enum CodingKeys: String, CodingKey {
        case numReceived = "num_received", numInvalidEntries = "num_invalid_entries", invalidEntrySamples = "invalid_entry_samples"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        numReceived = try container.decodeIfPresent(Int.self, forKey: .numReceived) ?? 0
        numInvalidEntries = try container.decodeIfPresent(Int.self, forKey: .numInvalidEntries) ?? 0
        invalidEntrySamples = (try? container.decodeIfPresent([String: String].self, forKey: .invalidEntrySamples)) ?? [:]
    }
}

extension FacebookClient {
    /// The most rows one call may carry (partners.md §1.4).
    public static let maxRowsPerCall = 10_000

    /// Appends one row as Graph takes it: queued rows are all strings, but Meta wants the `DATA_PROCESSING_OPTIONS`
    /// column (at `optionsColumn`) as an array of options: `["LDU"]` for a row whose value is "LDU" (the only option;
    /// the rules store nothing else) and `[]` for "" (no Limited Data Use); or, when `omitted`, not at all.
    static func appendRow(_ row: [String], optionsColumn: Int?, omitted: Bool, to out: inout [UInt8]) {
        guard let optionsColumn else { return JSONText.appendArray(row, to: &out) }
        out.append(UInt8(ascii: "["))
        var first = true
        for (index, value) in row.enumerated() where !(omitted && index == optionsColumn) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            if index != optionsColumn {
                JSONText.append(value, to: &out)
            } else if value.isEmpty {
                out.append(contentsOf: "[]".utf8)
            } else {
                out.append(UInt8(ascii: "["))
                JSONText.append(value, to: &out)
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Adds or removes users with the multi-key schema (`POST`/`DELETE /{audience}/users`).
    ///
    /// Rows are already normalized and hashed; each row has one entry per schema key, `""` where unknown (see
    /// ``appendRow(_:optionsColumn:to:)`` for the data processing options column).
    /// - Throws: ``PartnerError/invalidData(rows:message:)`` before sending when a row does not fit the schema or
    ///   there are more than 10,000 rows; otherwise the classified Graph error.
    public func uploadUsers(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]],
                            token: String) throws(PartnerError) -> FacebookUploadResult {
        let body = try Self.usersBody(schema: schema, rows: rows)
        return try call(action == .add ? "POST" : "DELETE", "/\(audienceID)/users", token: token, json: body,
                        context: .audience, as: FacebookUploadResult.self)
    }

    /// Takes the rows' people out of every customer-file audience of `account` in one call
    /// (`DELETE /act_<id>/usersofanyaudience`, partners.md §1.4), with the same payload and limits as a removal.
    /// - Throws: as ``uploadUsers(audienceID:action:schema:rows:token:)``.
    public func removeUsersOfAnyAudience(account: String, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> FacebookUploadResult {
        let body = try Self.usersBody(schema: schema, rows: rows)
        return try call("DELETE", "/\(Self.normalizeAccountID(account))/usersofanyaudience", token: token, json: body,
                        context: .audience, as: FacebookUploadResult.self)
    }

    /// The JSON body of a users call, after checking that every row fits the schema and that there are 1 to 10,000.
    /// A batch in which nobody asked for Limited Data Use leaves the data processing options column out: Meta reads a
    /// missing column as no options, and the call is smaller and cheaper to write.
    private static func usersBody(schema: [String], rows: [[String]]) throws(PartnerError) -> [UInt8] {
        let badRows = rows.indices.filter { rows[$0].count != schema.count }
        guard badRows.isEmpty else { throw .invalidData(rows: badRows, message: "facebook: rows do not match the schema") }
        guard rows.count <= maxRowsPerCall, !rows.isEmpty else {
            throw .invalidData(rows: [], message: "facebook: a call carries 1 to \(maxRowsPerCall) rows")
        }
        let optionsColumn = schema.firstIndex(of: FacebookIdentifiers.dataProcessingOptionsKey)
        let omitOptions = optionsColumn.map { column in schema.count > 1 && rows.allSatisfy { $0[column].isEmpty } } ?? false
        // Written by hand, not through JSONSerialization: building a 10,000-row body that way was an eighth of
        // serve's instructions per synced user (docs/performance.md).
        var out: [UInt8] = []
        out.reserveCapacity(64 + rows.count * (rows.first.map { $0.reduce(3) { $0 + $1.utf8.count + 3 } } ?? 0))
        out.append(contentsOf: #"{"payload":{"schema":"#.utf8)
        JSONText.appendArray(omitOptions ? schema.enumerated().filter { $0.offset != optionsColumn }.map(\.element) : schema, to: &out)
        out.append(contentsOf: #","data":["#.utf8)
        for (index, row) in rows.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendRow(row, optionsColumn: optionsColumn, omitted: omitOptions, to: &out)
        }
        out.append(contentsOf: #"],"is_raw":true}}"#.utf8)
        return out
    }
}

extension FacebookClient: AudienceUploader {
    /// 10,000 rows per call (partners.md §1.4).
    public var maxUsersPerRequest: Int { Self.maxRowsPerCall }

    /// Multi-key upload through `POST`/`DELETE /{audience}/users`.
    public func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        let result = try uploadUsers(audienceID: audienceID, action: action, schema: schema, rows: rows, token: token)
        return UploadReceipt(received: result.numReceived, invalid: result.numInvalidEntries)
    }
}

extension FacebookClient: AccountWideRemover {
    /// `DELETE /act_<id>/usersofanyaudience`.
    public func removeFromEveryAudience(account: String, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        let result = try removeUsersOfAnyAudience(account: account, schema: schema, rows: rows, token: token)
        return UploadReceipt(received: result.numReceived, invalid: result.numInvalidEntries)
    }
}
