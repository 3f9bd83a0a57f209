import Core
import Foundation

/// A custom audience as Facebook reports it.
public struct FacebookAudience: Sendable, Equatable, Decodable {
    /// The audience id.
    public let id: String
    /// Its name.
    public let name: String?
    /// Its description.
    public let description: String?
    /// Facebook's lower bound of the matched size.
    public let approximateCountLowerBound: Int?
    /// Facebook's upper bound of the matched size.
    public let approximateCountUpperBound: Int?

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case approximateCountLowerBound = "approximate_count_lower_bound"
        case approximateCountUpperBound = "approximate_count_upper_bound"
    }

    /// Creates a value.
    public init(id: String, name: String?, description: String? = nil, approximateCountLowerBound: Int?, approximateCountUpperBound: Int?) {
        self.id = id; self.name = name; self.description = description; self.approximateCountLowerBound = approximateCountLowerBound
        self.approximateCountUpperBound = approximateCountUpperBound
    }
}

struct GraphID: Decodable { let id: String }
struct GraphSuccess: Decodable { let success: Bool? }

extension FacebookClient {
    static let audienceFields = "id,name,description,approximate_count_lower_bound,approximate_count_upper_bound"

    /// Every custom audience of an ad account, following the paging cursors.
    public func customAudiences(account: String, token: String) throws(PartnerError) -> [FacebookAudience] {
        var audiences: [FacebookAudience] = []
        var after: String?
        for _ in 0..<Self.maxPages {
            var query = [("fields", Self.audienceFields), ("limit", "100")]
            if let after { query.append(("after", after)) }
            let page = try call("GET", "/\(Self.normalizeAccountID(account))/customaudiences", query: query, token: token,
                                context: .adAccount, as: GraphPage<FacebookAudience>.self)
            audiences += page.data
            guard page.paging?.next != nil, let cursor = page.paging?.cursors?.after, cursor != after else { break }
            after = cursor
        }
        return audiences
    }

    /// Creates a customer-file custom audience (`subtype=CUSTOM`) and returns its id.
    public func createCustomAudience(account: String, name: String, description: String?, token: String) throws(PartnerError) -> String {
        var form = [("name", name), ("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY")]
        if let description { form.append(("description", description)) }
        return try call("POST", "/\(Self.normalizeAccountID(account))/customaudiences", token: token, form: form,
                        context: .adAccount, as: GraphID.self).id
    }

    /// One audience with its approximate size.
    public func customAudience(id: String, token: String) throws(PartnerError) -> FacebookAudience {
        try call("GET", "/\(id)", query: [("fields", Self.audienceFields)], token: token, context: .audience, as: FacebookAudience.self)
    }

    /// Deletes an audience at Facebook.
    public func deleteCustomAudience(id: String, token: String) throws(PartnerError) {
        _ = try call("DELETE", "/\(id)", token: token, context: .audience, as: GraphSuccess.self)
    }
}

extension FacebookClient: AudienceDirectory {
    /// Every custom audience of the account, as the launch and the step editor need them.
    public func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience] {
        try customAudiences(account: account, token: token).map {
            RemoteAudience(id: $0.id, name: $0.name ?? $0.id, description: $0.description, approximateSize: $0.approximateCountLowerBound)
        }
    }

    /// A customer-file audience with the marker as its description.
    public func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String {
        try createCustomAudience(account: account, name: name, description: marker, token: token)
    }

    /// The audience's approximate size bounds (Facebook refreshes them slowly; a new audience reads 0–1000 or -1).
    public func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? {
        let audience = try customAudience(id: audienceID, token: token)
        guard let lower = audience.approximateCountLowerBound, let upper = audience.approximateCountUpperBound, lower >= 0, upper >= lower else {
            return nil
        }
        return AudienceSize(lower: lower, upper: upper)
    }
}
