import Core
import Foundation

/// One audience as `dmp/custom_audience/list/` and `get/` describe it.
struct TikTokAudienceItem: Decodable {
    let audience_id: String
    let name: String?
    let cover_num: Int?
}

/// `dmp/custom_audience/list/`'s `data`.
struct TikTokAudiencePage: Decodable {
    struct PageInfo: Decodable { let page: Int?; let total_page: Int? }
    let list: [TikTokAudienceItem]
    let page_info: PageInfo?
}

/// `dmp/custom_audience/get/`'s `data`.
struct TikTokAudienceDetails: Decodable {
    struct Item: Decodable { let audience_details: TikTokAudienceItem }
    let list: [Item]
}

/// `segment/audience/`'s `data`.
struct TikTokCreatedAudience: Decodable { let audience_id: String }

/// How AudienceSync names TikTok audiences so a creation survives a crash.
///
/// TikTok audiences have no description and names need not be unique, so the creation key travels in the name:
/// `<name> [AudienceSync <key>]`, cut so the whole stays within TikTok's 128 characters [I]. Listing reads the
/// key back and reports ``IdempotentAudienceCreation/marker(_:)`` of it as the audience's description, which is
/// what ``IdempotentAudienceCreation/ensure(_:account:name:key:existing:token:)`` compares.
public enum TikTokAudienceNaming {
    /// TikTok's longest audience name [I].
    public static let maxNameLength = 128
    static let tagStart = " [AudienceSync "

    /// The name sent to TikTok for `name` and `marker`.
    public static func name(_ name: String, marker: String) -> String {
        let prefix = IdempotentAudienceCreation.marker("")
        let key = marker.hasPrefix(prefix) ? String(marker.dropFirst(prefix.count)) : marker
        let tag = tagStart + key + "]"
        return String(name.prefix(max(0, maxNameLength - tag.count))) + tag
    }

    /// The marker carried by a name, if it has one.
    public static func marker(inName name: String) -> String? {
        guard name.hasSuffix("]"), let start = name.range(of: tagStart, options: .backwards) else { return nil }
        let key = name[start.upperBound..<name.index(before: name.endIndex)]
        return key.isEmpty ? nil : IdempotentAudienceCreation.marker(String(key))
    }
}

/// A TikTok audience id as AudienceSync stores it: `<advertiser_id>:<audience_id>`. Every TikTok call about an
/// audience also names its advertiser, which ``AudienceUploader`` does not pass, so the id carries it.
public enum TikTokAudienceID {
    /// The stored id of `audience` in `advertiser`.
    public static func make(advertiser: String, audience: String) -> String { advertiser + ":" + audience }

    /// The advertiser and audience of a stored id; nil when it is not of that form.
    public static func parse(_ id: String) -> (advertiser: String, audience: String)? {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    static func require(_ id: String) throws(PartnerError) -> (advertiser: String, audience: String) {
        guard let parsed = parse(id) else { throw .permanent(message: "tiktok: audience id \(id) does not name its advertiser") }
        return parsed
    }
}

extension TikTokClient {
    /// Pages followed at most (400 audiences per advertiser fit in 4).
    static let maxPages = 50

    /// Every audience of an advertiser, following `page_info` (`GET /dmp/custom_audience/list/`, 100 a page).
    public func customAudiences(advertiser: String, token: String) throws(PartnerError) -> [TikTokAudience] {
        var items: [TikTokAudience] = []
        for page in 1...Self.maxPages {
            let answer = try call("GET", "/dmp/custom_audience/list/",
                                  query: [("advertiser_id", advertiser), ("page", String(page)), ("page_size", "100")],
                                  token: token, context: .audience, as: TikTokAudiencePage.self)
            items += answer.list.map { TikTokAudience(id: $0.audience_id, name: $0.name ?? $0.audience_id, size: $0.cover_num) }
            guard let total = answer.page_info?.total_page, page < total, !answer.list.isEmpty else { break }
        }
        return items
    }

    /// Creates a partner audience (`POST /segment/audience/`, `action:"create"`) and returns TikTok's audience id.
    public func createSegmentAudience(advertiser: String, name: String, token: String) throws(PartnerError) -> String {
        try call("POST", "/segment/audience/", token: token,
                 json: ["advertiser_id": advertiser, "custom_audience_name": name, "action": "create"],
                 context: .audience, as: TikTokCreatedAudience.self).audience_id
    }

    /// Deletes audiences (`POST /dmp/custom_audience/delete/`).
    public func deleteAudiences(advertiser: String, audienceIDs: [String], token: String) throws(PartnerError) {
        _ = try call("POST", "/dmp/custom_audience/delete/", token: token,
                     json: ["advertiser_id": advertiser, "custom_audience_ids": audienceIDs], context: .audience, as: TikTokEmpty.self)
    }
}

/// An audience as the client reports it.
public struct TikTokAudience: Sendable, Equatable {
    /// TikTok's audience id (without the advertiser).
    public let id: String
    /// Its name, with AudienceSync's tag when AudienceSync created it.
    public let name: String
    /// `cover_num`, when given.
    public let size: Int?
}

extension TikTokClient: AudienceDirectory {
    /// Every audience of the advertiser; ids are `<advertiser>:<audience>`, and the marker is read from the name.
    public func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience] {
        try customAudiences(advertiser: account, token: token).map {
            RemoteAudience(id: TikTokAudienceID.make(advertiser: account, audience: $0.id), name: $0.name,
                           description: TikTokAudienceNaming.marker(inName: $0.name), approximateSize: $0.size)
        }
    }

    /// A partner audience whose name carries the marker's key.
    public func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String {
        let id = try createSegmentAudience(advertiser: account, name: TikTokAudienceNaming.name(name, marker: marker), token: token)
        return TikTokAudienceID.make(advertiser: account, audience: id)
    }

    /// `cover_num` from `GET /dmp/custom_audience/get/`.
    public func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? {
        let (advertiser, audience) = try TikTokAudienceID.require(audienceID)
        let answer = try call("GET", "/dmp/custom_audience/get/",
                              query: [("advertiser_id", advertiser), ("custom_audience_ids", Self.jsonList([audience]))],
                              token: token, context: .audience, as: TikTokAudienceDetails.self)
        guard let size = answer.list.first?.audience_details.cover_num, size >= 0 else { return nil }
        return AudienceSize(lower: size, upper: size)
    }
}
