import Core
import Foundation

/// `oauth2/advertiser/get/`'s `data`.
struct TikTokAdvertiserList: Decodable {
    struct Item: Decodable {
        let advertiser_id: String
        let advertiser_name: String?
    }
    let list: [Item]
}

/// `advertiser/info/`'s `data`.
struct TikTokAdvertiserInfo: Decodable {
    struct Item: Decodable {
        let advertiser_id: String
        let name: String?
        let currency: String?
        let status: String?
    }
    let list: [Item]
}

extension TikTokClient {
    /// Advertisers one `advertiser/info/` call may name.
    static let infoBatch = 100

    /// Every advertiser that authorized the app (`GET /oauth2/advertiser/get/?app_id=&secret=`, partners.md §2.2),
    /// with name, currency and status from `advertiser/info/` (100 ids a call). Only `STATUS_ENABLE` advertisers
    /// are active; the others (disabled, pending, limited) are listed but cannot serve. When TikTok refuses the
    /// details (no permission), the advertisers are still listed with the names `advertiser/get/` gave.
    public func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] {
        let granted = try call("GET", "/oauth2/advertiser/get/", query: [("app_id", endpoints.clientID), ("secret", endpoints.clientSecret)],
                               token: token, context: .advertiser, as: TikTokAdvertiserList.self).list
        var details: [String: TikTokAdvertiserInfo.Item] = [:]
        var start = 0
        while start < granted.count {
            let ids = granted[start..<min(start + Self.infoBatch, granted.count)].map(\.advertiser_id)
            start += Self.infoBatch
            let answer = Result { () throws(PartnerError) in
                try call("GET", "/advertiser/info/", query: [("advertiser_ids", Self.jsonList(ids))], token: token,
                         context: .advertiser, as: TikTokAdvertiserInfo.self)
            }
            switch answer {
            case .success(let info):
                for item in info.list { details[item.advertiser_id] = item }
            case .failure(.permissionDenied), .failure(.permanent):
                // The details only enrich the list: an advertiser whose info is refused is still listed, by its name.
                continue
            case .failure(let error):
                throw error
            }
        }
        return granted.map { item in
            let info = details[item.advertiser_id]
            // An advertiser whose details were refused has no status to show; uploads then say what TikTok thinks.
            return RemoteAdAccount(externalID: item.advertiser_id, name: info?.name ?? item.advertiser_name ?? item.advertiser_id,
                                   currency: info?.currency, facts: info?.status.map { [AccountFacts.tiktokStatus($0)] } ?? [])
        }
    }

    /// `["a","b"]`: how TikTok takes a list in a query string.
    static func jsonList(_ items: [String]) -> String {
        (try? JSONSerialization.data(withJSONObject: items)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}
