import Core
import Foundation

/// A segment as `audience-segments/search` and `/create` return it.
struct CriteoSegment: Decodable {
    struct Attributes: Decodable {
        let name: String?
        let description: String?
        let advertiserId: String?
        let type: String?
    }
    let id: String
    let attributes: Attributes?
}

/// `{"data":[segment…],"meta":{"totalItems"}}`.
struct CriteoSegmentsAnswer: Decodable {
    struct Meta: Decodable { let totalItems: Int? }
    let data: [CriteoSegment]?
    let meta: Meta?
    let errors: [CriteoErrorBody.Item]?
}

extension CriteoClient: AudienceDirectory {
    /// Segments per search page (Criteo's `limit`).
    static let searchLimit = 100
    /// Pages followed at most: the cap of 1,000 segments per advertiser is ten pages.
    static let maxPages = 20

    /// Every contact-list segment of the advertiser, paged by `offset` (partners.md §6.3), with its description
    /// (the creation marker). Criteo gives no size in the search answer.
    public func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience] {
        var segments: [CriteoSegment] = []
        for page in 0..<Self.maxPages {
            let body: [String: Any] = ["data": ["attributes": ["audienceSegmentTypes": ["ContactList"], "advertiserIds": [account]]]]
            let answer = try call("POST", "/marketing-solutions/audience-segments/search",
                                  query: [("limit", String(Self.searchLimit)), ("offset", String(page * Self.searchLimit))],
                                  token: token, json: body, as: CriteoSegmentsAnswer.self)
            let items = answer.data ?? []
            segments += items
            if items.count < Self.searchLimit || segments.count >= (answer.meta?.totalItems ?? Int.max) { break }
        }
        return segments.map { RemoteAudience(id: $0.id, name: $0.attributes?.name ?? $0.id, description: $0.attributes?.description, approximateSize: nil) }
    }

    /// A contact-list segment with the marker as its description. A duplicate name (`name-must-be-unique`) is
    /// permanent: the step needs another name.
    public func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String {
        let body: [String: Any] = ["data": [["attributes": ["advertiserId": account, "name": name, "description": marker, "contactList": [String: Any]()]]]]
        let answer = try call("POST", "/marketing-solutions/audience-segments/create", token: token, json: body, as: CriteoSegmentsAnswer.self)
        if let error = answer.errors?.first {
            throw .permanent(message: "criteo: segment not created: \(error.title ?? error.code ?? "no reason given")")
        }
        guard let id = answer.data?.first?.id, !id.isEmpty else { throw .transient(message: "criteo: segment creation answered without a segment") }
        return id
    }

    /// Deletes segments (`POST audience-segments/delete` [I]).
    public func deleteSegment(id: String, token: String) throws(PartnerError) {
        _ = try call("POST", "/marketing-solutions/audience-segments/delete", token: token, json: ["data": [["id": id]]],
                     context: .segment, as: CriteoAnswerErrors.self)
    }
}
