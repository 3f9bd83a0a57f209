import Core
import Foundation

/// An audience as Pinterest reports it (partners.md §4.3).
struct PinterestAudience: Decodable {
    struct Rule: Decodable {
        let customer_list_id: String?
    }
    let id: String
    let name: String?
    let description: String?
    let audience_type: String?
    let rule: Rule?
    let size: Int?
    let status: String?
}

/// A customer list as Pinterest reports it.
struct PinterestCustomerList: Decodable {
    let id: String
    let name: String?
    let status: String?
    let num_batches: Int?
}

extension PinterestClient: AudienceDirectory {
    /// Every CUSTOMER_LIST audience of the account, as `account:customer_list` ids, with the audience's name,
    /// description (the creation marker) and size. Audiences of other types cannot take records and are left out.
    public func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience] {
        let audiences = try all("/ad_accounts/\(FormEncoding.escape(account))/audiences", token: token, context: .other,
                                as: PinterestAudience.self)
        return audiences.compactMap { audience in
            guard (audience.audience_type ?? "CUSTOMER_LIST") == "CUSTOMER_LIST", let list = audience.rule?.customer_list_id else { return nil }
            return RemoteAudience(id: PinterestAudienceID.make(account: account, customerList: list), name: audience.name ?? audience.id,
                                  description: audience.description, approximateSize: audience.size)
        }
    }

    /// Creates an (empty) EMAIL customer list, then a CUSTOMER_LIST audience on it with the marker as its
    /// description, and returns `account:customer_list`.
    ///
    /// The list is created with `records: ""` because AudienceSync creates the audience before its first batch
    /// [I: the spec requires `records` but does not say it may not be empty]. If the process stops between the
    /// two calls, a list with no audience is left behind and the retry creates a new pair.
    public func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String {
        let base = "/ad_accounts/\(FormEncoding.escape(account))"
        let list = try call("POST", base + "/customer_lists", token: token,
                            json: ["name": name, "records": "", "list_type": "EMAIL"], as: PinterestCustomerList.self)
        _ = try call("POST", base + "/audiences", token: token, json: [
            "name": name, "audience_type": "CUSTOMER_LIST", "rule": ["customer_list_id": list.id], "description": marker,
        ], as: PinterestAudience.self)
        return PinterestAudienceID.make(account: account, customerList: list.id)
    }
}

extension PinterestClient {
    /// The audience built on the customer list of `audienceID`, by listing the account's audiences.
    func audience(for audienceID: String, token: String) throws(PartnerError) -> PinterestAudience? {
        guard let id = PinterestAudienceID.parse(audienceID) else { throw .audienceGone(message: "pinterest: \(audienceID) is not a Pinterest audience id") }
        let audiences = try all("/ad_accounts/\(FormEncoding.escape(id.account))/audiences", token: token, context: .audience,
                                as: PinterestAudience.self)
        return audiences.first { $0.rule?.customer_list_id == id.customerList }
    }

    /// Pinterest's `size` of the audience on the list, as both bounds; nil when no audience uses the list.
    public func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? {
        guard let size = try audience(for: audienceID, token: token)?.size, size >= 0 else { return nil }
        return AudienceSize(lower: size, upper: size)
    }
}
