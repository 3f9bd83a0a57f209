import Core
import Foundation

/// `GET /advertisers/me`: `{"data":[{"id","type":"Advertiser","attributes":{"advertiserName",…}}]}`.
struct CriteoAdvertisersAnswer: Decodable {
    struct Advertiser: Decodable {
        struct Attributes: Decodable {
            let advertiserName: String?
            let currency: String?
            /// `Active` or `Inactive` [I: not in partners.md; emulated by the sandbox].
            let status: String?
        }
        let id: String
        let attributes: Attributes?
    }
    let data: [Advertiser]?
}

extension CriteoClient {
    /// The advertisers the consent covers (`GET /advertisers/me`, partners.md §6.2 [I]).
    func advertisers(token: String) throws(PartnerError) -> [CriteoAdvertisersAnswer.Advertiser] {
        try call("GET", "/advertisers/me", token: token, as: CriteoAdvertisersAnswer.self).data ?? []
    }

    /// Advertisers as ad accounts. Only numeric ids are kept: every segment call names the advertiser by its
    /// numeric `advertiserId` (seg validates it the same way).
    public func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] {
        var seen = Set<String>()
        return try advertisers(token: token).filter { !$0.id.isEmpty && $0.id.allSatisfy(\.isNumber) && seen.insert($0.id).inserted }.map {
            RemoteAdAccount(externalID: $0.id, name: $0.attributes?.advertiserName ?? $0.id, currency: $0.attributes?.currency,
                            facts: $0.attributes?.status.map { [AccountFacts.criteoStatus($0)] } ?? [])
        }
    }
}
