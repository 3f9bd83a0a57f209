import Core
import HTTPClient

/// One client per partner, built from the installation's endpoints. Adding a partner is one line here and one
/// folder beside `Facebook/`.
public enum PartnerClients {
    /// Every partner this build can connect, keyed by partner.
    public static func all(_ config: AppConfig, http: HTTPClient) -> [PartnerID: any PartnerConnector] {
        var clients: [PartnerID: any PartnerConnector] = [:]
        clients[.facebook] = FacebookClient(endpoints: config.facebook, http: http)
        clients[.tiktok] = TikTokClient(endpoints: config.partners[.tiktok]!, http: http)
        clients[.google] = GoogleClient(endpoints: config.partners[.google]!, http: http)
        clients[.linkedin] = LinkedInClient(endpoints: config.partners[.linkedin]!, http: http)
        clients[.snapchat] = SnapchatClient(endpoints: config.partners[.snapchat]!, http: http)
        clients[.pinterest] = PinterestClient(endpoints: config.partners[.pinterest]!, http: http)
        clients[.criteo] = CriteoClient(endpoints: config.partners[.criteo]!, http: http)
        return clients
    }
}
