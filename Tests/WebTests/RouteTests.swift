import Core
import Testing
@testable import Web

@Suite struct RouteTests {
    static let routes: [(SiteRoute, String)] = [
        (.home, "/"), (.signIn, "/signin"), (.signOut, "/signout"), (.partners, "/partners"), (.partner(.facebook), "/partners/facebook"),
        (.partnerConnect(.facebook), "/partners/facebook/connect"), (.oauthCallback(.facebook), "/oauth/callback/facebook"),
        (.partnerAccounts(.facebook), "/partners/facebook/accounts"), (.partnerToken(.facebook), "/partners/facebook/token"),
        (.partnerCheck(.facebook), "/partners/facebook/check"), (.partnerDisconnect(.facebook), "/partners/facebook/disconnect"),
        (.adAccountRemove(.facebook, 7), "/partners/facebook/accounts/7/remove"), (.health, "/healthz"),
        (.settingsAPIKeys, "/settings/api-keys"), (.ledger, "/ledger"), (.metrics, "/metrics"), (.apiKeyRevoke(3), "/settings/api-keys/3/revoke"),
        (.apiUsersTrack, "/api/v1/users/track"), (.apiUsersDelete, "/api/v1/users/delete"),
        (.apiCanvasTrigger, "/api/v1/canvas/trigger/send"), (.apiDataSummary, "/api/v1/canvas/data_summary"),
        (.canvases, "/canvases"), (.canvas(5), "/canvases/5"), (.canvasAction(5, .launch), "/canvases/5/launch"),
        (.step(5, 9), "/canvases/5/steps/9"), (.stepAction(5, 9, .moveUp), "/canvases/5/steps/9/move-up"),
    ]

    @Test(arguments: routes)
    func pathsRoundTrip(route: SiteRoute, path: String) {
        #expect(route.path == path)
        #expect(SiteRoute(path: path) == route)
    }

    @Test func unknownPathsAreNotRoutes() {
        for path in ["/canvases/x", "/canvases/1/steps/2/fly", "/api/v1/canvas", "/partners/myspace", "/settings", "//", "/signin/extra"] {
            #expect(SiteRoute(path: path) == nil, "\(path)")
        }
    }
}
