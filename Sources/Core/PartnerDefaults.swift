/// Each partner's endpoints as an installation reads them: `AUDIENCESYNC_<PARTNER>_AUTHORIZE_URL`, `_TOKEN_URL`,
/// `_API_URL`, `_CLIENT_ID`, `_CLIENT_SECRET` (and a few partner-specific names), defaulting to the bundled
/// sandbox, whose paths mirror each partner's real hosts (partners.md).
///
/// A real deployment sets, for example, `AUDIENCESYNC_TIKTOK_API_URL=https://business-api.tiktok.com/open_api/v1.3`.
public enum PartnerDefaults {
    /// Where each partner lives in the sandbox (`sandbox` is its origin) and under which setting names it can be moved.
    struct Paths {
        let authorize: String
        let token: String
        let api: String
        /// Partner-specific settings: name (after the partner prefix) → (key in `extra`, sandbox default, is a URL).
        var extra: [(setting: String, key: String, value: String, isURL: Bool)] = []
        var terms: String = ""
    }

    static func paths(_ partner: PartnerID) -> Paths {
        switch partner {
        case .facebook:
            Paths(authorize: "/facebook/www/v25.0/dialog/oauth", token: "/facebook/graph/v25.0/oauth/access_token",
                  api: "/facebook/graph/v25.0",
                  extra: [("ADS_MANAGER_URL", "ads_manager_url", "/facebook/www/adsmanager/audiences?act={account}", true)],
                  terms: "/facebook/www/ads/manage/customaudiences/tos/?act={account}")
        case .google:
            // Data Manager for members; the Google Ads API only for listing customers and creating lists (partners.md §3b.5).
            Paths(authorize: "/google/accounts/o/oauth2/v2/auth", token: "/google/oauth2/token", api: "/google/datamanager/v1",
                  extra: [("ADS_API_URL", "ads_api_url", "/google/googleads/v22", true),
                          ("DEVELOPER_TOKEN", "developer_token", "sandbox-google-developer-token", false),
                          ("LOGIN_CUSTOMER_ID", "login_customer_id", "", false)])
        case .tiktok:
            Paths(authorize: "/tiktok/portal/auth", token: "/tiktok/open_api/v1.3/oauth2/access_token/", api: "/tiktok/open_api/v1.3")
        case .pinterest:
            Paths(authorize: "/pinterest/www/oauth/", token: "/pinterest/api/v5/oauth/token", api: "/pinterest/api/v5")
        case .snapchat:
            Paths(authorize: "/snapchat/accounts/login/oauth2/authorize", token: "/snapchat/accounts/login/oauth2/access_token",
                  api: "/snapchat/adsapi/v1")
        case .criteo:
            Paths(authorize: "/criteo/consent/oauth2/authorize", token: "/criteo/api/oauth2/token", api: "/criteo/api/2026-07")
        case .linkedin:
            Paths(authorize: "/linkedin/www/oauth/v2/authorization", token: "/linkedin/www/oauth/v2/accessToken", api: "/linkedin/api/rest",
                  extra: [("VERSION", "version", "202604", false)])
        }
    }

    /// Every partner's endpoints; `setting(name)` reads `AUDIENCESYNC_<name>` (nil when unset).
    public static func endpoints(sandbox: String, setting: (String) -> String?) -> [PartnerID: PartnerEndpoints] {
        func url(_ name: String, _ fallback: String) -> String {
            var value = setting(name) ?? fallback
            while value.hasSuffix("/") && !fallback.hasSuffix("/") { value.removeLast() }
            return value
        }
        var result: [PartnerID: PartnerEndpoints] = [:]
        for partner in PartnerID.allCases {
            let prefix = partner.rawValue.uppercased() + "_"
            let paths = paths(partner)
            var extra: [String: String] = [:]
            for item in paths.extra {
                let fallback = item.isURL ? sandbox + item.value : item.value
                extra[item.key] = item.isURL ? url(prefix + item.setting, fallback) : (setting(prefix + item.setting) ?? fallback)
            }
            result[partner] = PartnerEndpoints(
                authorizeURL: url(prefix + "AUTHORIZE_URL", sandbox + paths.authorize),
                apiBaseURL: url(prefix + "API_URL", sandbox + paths.api),
                tokenURL: url(prefix + "TOKEN_URL", sandbox + paths.token),
                clientID: setting(prefix + "CLIENT_ID") ?? "sandbox-\(partner.rawValue)-app",
                clientSecret: setting(prefix + "CLIENT_SECRET") ?? "sandbox-\(partner.rawValue)-secret",
                termsURL: paths.terms.isEmpty ? "" : (setting(prefix + "TERMS_URL") ?? sandbox + paths.terms),
                extra: extra)
        }
        return result
    }
}
