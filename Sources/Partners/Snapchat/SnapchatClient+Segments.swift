import Core
import Foundation

/// A segment as Snap reports it (partners.md §5.3).
public struct SnapchatSegment: Sendable, Equatable, Decodable {
    /// The segment id.
    public let id: String
    /// Its name.
    public let name: String?
    /// Its description, where AudienceSync leaves its creation marker.
    public let description: String?
    /// Snap's estimate of matched users.
    public let approximateNumberUsers: Int?
    /// `NOT_READY`, `TOO_FEW_USERS` or `READY`.
    public let targetableStatus: String?

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case approximateNumberUsers = "approximate_number_users", targetableStatus = "targetable_status"
    }
}

/// `{"request_status","segments":[{"sub_request_status","segment":{…}}],"paging":{"next_link"}}`.
struct SnapSegmentsAnswer: SnapEnvelope {
    struct Entry: Decodable {
        let sub_request_status: String?
        let sub_request_error_reason: String?
        let segment: SnapchatSegment?
    }
    struct Paging: Decodable { let next_link: String? }
    let request_status: String?
    let segments: [Entry]?
    let paging: Paging?
}

extension SnapchatClient {
    /// Segments asked for per page; Snap's cap is 1,000 per account, so one page is the usual case.
    static let segmentPageSize = 1000
    /// Pages followed at most, so a misbehaving partner cannot keep us looping.
    static let maxPages = 50

    /// Every segment of an ad account (`GET /adaccounts/{id}/segments`), following `paging.next_link`.
    ///
    /// Only the `cursor` of a next link is used, so the token never goes to a host other than the configured one.
    public func segments(account: String, token: String) throws(PartnerError) -> [SnapchatSegment] {
        var segments: [SnapchatSegment] = []
        var cursor: String?
        for _ in 0..<Self.maxPages {
            var query = [("limit", String(Self.segmentPageSize))]
            if let cursor { query.append(("cursor", cursor)) }
            let answer = try call("GET", "/adaccounts/\(FormEncoding.escape(account))/segments", query: query, token: token,
                                  context: .adAccount, as: SnapSegmentsAnswer.self)
            segments += (answer.segments ?? []).compactMap(\.segment)
            guard let next = answer.paging?.next_link, let nextCursor = Self.queryValue("cursor", in: next), nextCursor != cursor else { break }
            cursor = nextCursor
        }
        return segments
    }

    /// Creates a first-party (customer list) segment that never expires (`retention_in_days` 9999, Snap's
    /// default lifetime) and returns its id.
    public func createSegment(account: String, name: String, description: String, token: String) throws(PartnerError) -> String {
        let body: [String: Any] = ["segments": [[
            "name": name, "description": description, "source_type": "FIRST_PARTY", "retention_in_days": 9999, "ad_account_id": account,
        ]]]
        let answer = try call("POST", "/adaccounts/\(FormEncoding.escape(account))/segments", token: token, json: body,
                              context: .adAccount, as: SnapSegmentsAnswer.self)
        guard let entry = answer.segments?.first else { throw .transient(message: "snapchat: segment creation answered without a segment") }
        guard (entry.sub_request_status ?? "SUCCESS").uppercased() == "SUCCESS", let segment = entry.segment else {
            throw .permanent(message: "snapchat: segment not created: \(entry.sub_request_error_reason ?? "no reason given")")
        }
        return segment.id
    }

    /// One segment (`GET /segments/{id}`).
    public func segment(id: String, token: String) throws(PartnerError) -> SnapchatSegment {
        let answer = try call("GET", "/segments/\(FormEncoding.escape(id))", token: token, context: .segment, as: SnapSegmentsAnswer.self)
        guard let segment = answer.segments?.first?.segment else { throw .audienceGone(message: "snapchat: segment \(id) not returned") }
        return segment
    }

    /// Deletes a segment (`DELETE /segments/{id}`).
    public func deleteSegment(id: String, token: String) throws(PartnerError) {
        _ = try call("DELETE", "/segments/\(FormEncoding.escape(id))", token: token, context: .segment, as: SnapSegmentsAnswer.self)
    }

    /// One query parameter of a URL.
    static func queryValue(_ name: String, in url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
    }
}

extension SnapchatClient: AudienceDirectory {
    /// Every segment of the account, with its description (the creation marker) and matched-user estimate.
    public func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience] {
        try segments(account: account, token: token).map {
            RemoteAudience(id: $0.id, name: $0.name ?? $0.id, description: $0.description, approximateSize: $0.approximateNumberUsers)
        }
    }

    /// A first-party segment with the marker as its description.
    public func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String {
        try createSegment(account: account, name: name, description: marker, token: token)
    }

    /// Snap's `approximate_number_users`, as both bounds (Snap gives one figure).
    public func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? {
        guard let count = try segment(id: audienceID, token: token).approximateNumberUsers, count >= 0 else { return nil }
        return AudienceSize(lower: count, upper: count)
    }
}
