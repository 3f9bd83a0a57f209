import Core
import Foundation

/// A DMP segment as LinkedIn lists it (partners.md §7.3).
public struct LinkedInSegment: Sendable, Equatable, Decodable {
    /// The segment id.
    public let id: Int64
    /// Its name.
    public let name: String?
    /// The caller's own id of the segment; AudienceSync keeps its creation marker there.
    public let sourceSegmentId: String?
    /// `BUILDING`, `READY`, `UPDATING`, `ARCHIVED`, `EXPIRED`, `FAILED`…
    public let status: String?
    /// Members LinkedIn matched so far [I: the field name is not in partners.md].
    public let matchedCount: Int?
}

extension LinkedInClient {
    /// `sourcePlatform` of the segments AudienceSync creates [I: LinkedIn's list of platforms is partner-only].
    public static let sourcePlatform = "AUDIENCESYNC"

    /// Every DMP segment of an account (`GET /dmpSegments?q=account&account=urn:li:sponsoredAccount:{id}`).
    public func segments(account: String, token: String) throws(PartnerError) -> [LinkedInSegment] {
        try collect("/dmpSegments", query: [("q", "account"), ("account", Self.accountURN(account))], token: token,
                    context: .adAccount, as: LinkedInSegment.self)
    }

    /// One segment.
    public func segment(id: String, token: String) throws(PartnerError) -> LinkedInSegment {
        try call("GET", "/dmpSegments/" + Self.pathID(id), token: token, context: .segment, as: LinkedInSegment.self)
    }

    /// Creates a USER segment for LinkedIn targeting and returns its id, read from the `x-linkedin-id` header
    /// (or Rest.li's `x-restli-id`).
    public func createSegment(account: String, name: String, sourceSegmentId: String, token: String) throws(PartnerError) -> String {
        let body: [String: Any] = [
            "name": name, "sourcePlatform": Self.sourcePlatform, "sourceSegmentId": sourceSegmentId,
            "account": Self.accountURN(account), "type": "USER", "destinations": [["destination": "LINKEDIN"]],
        ]
        let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])).map(Array.init) ?? []
        let response = try send("POST", "/dmpSegments", token: token, json: json, context: .adAccount)
        guard let id = response.header("x-linkedin-id") ?? response.header("x-restli-id"), !id.isEmpty else {
            throw .transient(message: "linkedin: the new segment's id was not in the answer")
        }
        return Self.lastComponent(ofURN: id)
    }

    /// Deletes a segment.
    public func deleteSegment(id: String, token: String) throws(PartnerError) {
        _ = try send("DELETE", "/dmpSegments/" + Self.pathID(id), token: token, context: .segment)
    }

    /// A segment id safe in a path: digits only, whatever came in.
    static func pathID(_ id: String) -> String {
        let last = lastComponent(ofURN: id)
        return last.allSatisfy(\.isNumber) && !last.isEmpty ? last : LinkedInForm.escape(last)
    }
}

extension LinkedInClient: AudienceDirectory {
    /// Every DMP segment of the account; the marker comes back from `sourceSegmentId` as the description.
    public func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience] {
        try segments(account: account, token: token).map {
            RemoteAudience(id: String($0.id), name: $0.name ?? String($0.id), description: $0.sourceSegmentId, approximateSize: $0.matchedCount)
        }
    }

    /// A USER segment whose `sourceSegmentId` is the marker (LinkedIn segments have no description; this field
    /// round-trips and is the caller's own id by design).
    public func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String {
        try createSegment(account: account, name: name, sourceSegmentId: marker, token: token)
    }

    /// The matched count, when LinkedIn reports one.
    public func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? {
        guard let count = try segment(id: audienceID, token: token).matchedCount, count >= 0 else { return nil }
        return AudienceSize(lower: count, upper: count)
    }
}
