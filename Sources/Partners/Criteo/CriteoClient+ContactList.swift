import Core
import Foundation

/// The contact-list amendment's result (partners.md §6.4).
struct CriteoAmendmentAnswer: Decodable {
    struct Data: Decodable {
        struct Attributes: Decodable {
            let nbValidIdentifiers: Int?
            let nbInvalidIdentifiers: Int?
        }
        let attributes: Attributes?
    }
    let data: Data?
}

extension CriteoClient: AudienceUploader {
    /// Schema key → Criteo's `identifierType` (`CriteoIdentifiers`).
    public static let identifierTypes: [String: String] = ["EMAIL": "email", "MADID": "madid"]

    /// The catalog's batch size (Criteo allows 50,000 per call [S]).
    public var maxUsersPerRequest: Int { PartnerInfo.of(.criteo).maxUsersPerRequest }

    /// Adds or removes identifiers of one type:
    /// `PATCH /marketing-solutions/audience-segments/{id}/contact-list` with
    /// `{"data":{"type":"ContactlistAmendment","attributes":{"operation","identifierType","identifiers":[…]}}}`.
    ///
    /// Empty values are left out and repeats sent once; the receipt carries Criteo's `nbInvalidIdentifiers`.
    public func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        guard schema.count == 1, let key = schema.first, let type = Self.identifierTypes[key] else {
            throw .invalidData(rows: [], message: "criteo: one identifierType per request, EMAIL or MADID")
        }
        let badRows = rows.indices.filter { rows[$0].count != 1 }
        guard badRows.isEmpty else { throw .invalidData(rows: badRows, message: "criteo: rows do not match the schema") }
        guard rows.count <= maxUsersPerRequest else { throw .invalidData(rows: [], message: "criteo: a call carries at most \(maxUsersPerRequest) identifiers") }
        var seen = Set<String>()
        let identifiers = rows.map { $0[0] }.filter { !$0.isEmpty && seen.insert($0).inserted }
        guard !identifiers.isEmpty else { return UploadReceipt(received: 0, invalid: 0) }
        let body: [String: Any] = ["data": ["type": "ContactlistAmendment", "attributes": [
            "operation": action == .add ? "add" : "remove", "identifierType": type, "identifiers": identifiers,
        ]]]
        let answer = try call("PATCH", "/marketing-solutions/audience-segments/\(FormEncoding.escape(audienceID))/contact-list", token: token,
                              json: body, context: .contactList, as: CriteoAmendmentAnswer.self)
        return UploadReceipt(received: identifiers.count, invalid: answer.data?.attributes?.nbInvalidIdentifiers ?? 0)
    }

    /// Criteo reports no size in the calls partners.md documents.
    public func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? { nil }
}
