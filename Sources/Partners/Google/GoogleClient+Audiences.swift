import Core
import Foundation

/// A GAQL `user_list` row.
struct GoogleUserListRow: Decodable {
    struct UserList: Decodable {
        let resourceName: String?
        let id: String?
        let name: String?
        let description: String?
        let sizeForDisplay: String?
    }
    let userList: UserList?
}

/// `userLists:mutate`'s answer.
struct GoogleMutateAnswer: Decodable {
    struct Result: Decodable { let resourceName: String? }
    let results: [Result]?
}

extension GoogleClient {
    static let userListQuery =
        "SELECT user_list.resource_name, user_list.id, user_list.name, user_list.description, user_list.size_for_display FROM user_list"

    /// An audience id is the list's resource name `customers/<cid>/userLists/<id>`: Data Manager needs the customer (the
    /// operating account) as well as the list id, and `upload` gets nothing else.
    public static func audienceID(customer: String, list: String) -> String { "customers/\(customer)/userLists/\(list)" }

    /// The customer and list ids of an audience id, or `.audienceGone` for an id that is not a list's resource name.
    static func parseAudienceID(_ audienceID: String) throws(PartnerError) -> (customer: String, list: String) {
        let parts = audienceID.split(separator: "/").map(String.init)
        guard parts.count == 4, parts[0] == "customers", parts[2] == "userLists", !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber),
              !parts[3].isEmpty, parts[3].allSatisfy(\.isNumber) else {
            throw .audienceGone(message: "google: \(audienceID) is not a Customer Match user list")
        }
        return (parts[1], parts[3])
    }

    /// Every user list of a customer (GAQL, partners.md §3.3), paging with `nextPageToken`.
    func userLists(customer: String, token: String) throws(PartnerError) -> [GoogleUserListRow.UserList] {
        var lists: [GoogleUserListRow.UserList] = []
        var pageToken: String?
        for _ in 0..<50 {
            var body: [String: Any] = ["query": Self.userListQuery]
            if let pageToken { body["pageToken"] = pageToken }
            let page = try call(.ads, "POST", "/customers/\(Self.customerID(customer))/googleAds:search", body: body, token: token,
                                context: .account, as: GoogleSearchAnswer<GoogleUserListRow>.self)
            lists += (page.results ?? []).compactMap(\.userList)
            guard let next = page.nextPageToken, !next.isEmpty, next != pageToken else { break }
            pageToken = next
        }
        return lists
    }
}

extension GoogleClient: AudienceDirectory {
    /// Every user list of the customer, with its description (where the creation marker lives) and displayed size.
    public func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience] {
        let customer = Self.customerID(account)
        return try userLists(customer: customer, token: token).compactMap { list in
            guard let id = list.id ?? list.resourceName?.split(separator: "/").last.map(String.init) else { return nil }
            return RemoteAudience(id: Self.audienceID(customer: customer, list: id), name: list.name ?? id, description: list.description,
                                  approximateSize: list.sizeForDisplay.flatMap { Int($0) })
        }
    }

    /// A contact-info Customer Match list (`userLists:mutate`, partners.md §3.3) with the marker as its description and
    /// the longest membership (540 days) [I: 10000 = unlimited exists at Ads, not at Data Manager].
    public func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String {
        let customer = Self.customerID(account)
        let create: [String: Any] = ["name": name, "description": marker, "membershipLifeSpan": "540",
                                     "crmBasedUserList": ["uploadKeyType": "CONTACT_INFO"]]
        let answer = try call(.ads, "POST", "/customers/\(customer)/userLists:mutate", body: ["operations": [["create": create]]],
                              token: token, context: .audience, as: GoogleMutateAnswer.self)
        guard let resource = answer.results?.first?.resourceName, let id = resource.split(separator: "/").last, id.allSatisfy(\.isNumber) else {
            throw .transient(message: "google: the created user list came back without its resource name")
        }
        return Self.audienceID(customer: customer, list: String(id))
    }

    /// Removes a user list (`userLists:mutate` with `remove`, partners.md §3.3 [I]).
    public func deleteAudience(audienceID: String, token: String) throws(PartnerError) {
        let (customer, list) = try Self.parseAudienceID(audienceID)
        _ = try call(.ads, "POST", "/customers/\(customer)/userLists:mutate",
                     body: ["operations": [["remove": Self.audienceID(customer: customer, list: list)]]], token: token, context: .audience,
                     as: GoogleMutateAnswer.self)
    }

    /// `size_for_display` (0 until about 1,000 members, partners.md §3.6), or `.audienceGone` when the list is gone.
    public func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? {
        let (customer, list) = try Self.parseAudienceID(audienceID)
        guard let found = try userLists(customer: customer, token: token).first(where: { $0.id == list }) else {
            throw .audienceGone(message: "google: user list \(list) no longer exists")
        }
        guard let size = found.sizeForDisplay.flatMap({ Int($0) }) else { return nil }
        return AudienceSize(lower: size, upper: size)
    }
}
