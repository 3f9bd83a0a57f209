import Core
import Foundation

/// The BATCH_CREATE answer: one status per element, in the order sent [I: partners.md §7.4 leaves its shape open].
struct LinkedInBatchAnswer: Decodable {
    struct Element: Decodable { let status: Int? }
    let elements: [Element]?
}

extension LinkedInClient {
    /// The most users one call carries (rudder's `MAX_BATCH_SIZE`, partners.md §7.4).
    public static let maxRowsPerCall = 5_000
    /// `idType`s a user element may carry.
    public static let idTypes: Set<String> = ["SHA256_EMAIL", "SHA512_EMAIL", "GOOGLE_AID"]

    /// Adds or removes users (`POST /dmpSegments/{id}/users`, `X-RestLi-Method: BATCH_CREATE`), one element per
    /// row with every non-empty column as a `userIds` entry and `action` `ADD` or `REMOVE`.
    ///
    /// Rows with no identifier are not sent and count as invalid. A 404 right after creation means the segment is
    /// not ready yet ("wait 5 seconds", §7.3): the segment is then read, and a segment that exists is a retryable
    /// ``PartnerError/transient(message:)``, a missing one ``PartnerError/audienceGone(message:)``.
    public func uploadUsers(segmentID: String, action: AudienceAction, schema: [String], rows: [[String]],
                            token: String) throws(PartnerError) -> UploadReceipt {
        let badRows = rows.indices.filter { rows[$0].count != schema.count }
        guard badRows.isEmpty else { throw .invalidData(rows: badRows, message: "linkedin: rows do not match the schema") }
        guard rows.count <= Self.maxRowsPerCall, !rows.isEmpty else {
            throw .invalidData(rows: [], message: "linkedin: a call carries 1 to \(Self.maxRowsPerCall) users")
        }
        if let unknown = schema.first(where: { !Self.idTypes.contains($0) }) {
            throw .permanent(message: "linkedin: \(unknown) is not an idType LinkedIn takes")
        }
        let elements: [[String: Any]] = rows.compactMap { row in
            let ids: [[String: String]] = zip(schema, row).filter { !$0.1.isEmpty }.map { ["idType": $0.0, "idValue": $0.1] }
            return ids.isEmpty ? nil : ["action": action == .add ? "ADD" : "REMOVE", "userIds": ids]
        }
        let empty = rows.count - elements.count
        guard !elements.isEmpty else { return UploadReceipt(received: rows.count, invalid: empty) }
        let json = (try? JSONSerialization.data(withJSONObject: ["elements": elements], options: [.sortedKeys])).map(Array.init) ?? []
        let path = "/dmpSegments/" + Self.pathID(segmentID) + "/users"
        do throws(PartnerError) {
            let response = try send("POST", path, token: token, json: json, restliMethod: "BATCH_CREATE", context: .segment)
            let answer = try? JSONDecoder().decode(LinkedInBatchAnswer.self, from: Data(response.body))
            let refused = (answer?.elements ?? []).filter { !(200..<300).contains($0.status ?? 201) }.count
            return UploadReceipt(received: rows.count, invalid: empty + refused)
        } catch {
            guard case .audienceGone = error else { throw error }
            throw notReadyOrGone(segmentID: segmentID, token: token, original: error)
        }
    }

    /// After a 404 on the users of a segment: is the segment still being built, or gone?
    func notReadyOrGone(segmentID: String, token: String, original: PartnerError) -> PartnerError {
        do throws(PartnerError) {
            let segment = try segment(id: segmentID, token: token)
            return .transient(message: "linkedin: segment \(segment.id) is \(segment.status ?? "not ready") and does not take users yet")
        } catch {
            if case .audienceGone = error { return original }
            return error
        }
    }
}

extension LinkedInClient: AudienceUploader {
    /// 5,000 users per call (partners.md §7.4).
    public var maxUsersPerRequest: Int { Self.maxRowsPerCall }

    /// Multi-key upload through `POST /dmpSegments/{id}/users`.
    public func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        try uploadUsers(segmentID: audienceID, action: action, schema: schema, rows: rows, token: token)
    }
}
