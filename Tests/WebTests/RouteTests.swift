import Core
import Foundation
import Testing
@testable import Web

@Suite struct RouteTests {
    static let routes: [(SiteRoute, String)] = [
        (.home, "/"), (.overview, "/overview"), (.signIn, "/signin"), (.signOut, "/signout"), (.partners, "/partners"), (.partner(.facebook), "/partners/facebook"),
        (.partnerConnect(.facebook), "/partners/facebook/connect"), (.oauthCallback(.facebook), "/oauth/callback/facebook"),
        (.partnerAccounts(.facebook), "/partners/facebook/accounts"), (.partnerToken(.facebook), "/partners/facebook/token"),
        (.partnerCheck(.facebook), "/partners/facebook/check"), (.partnerDisconnect(.facebook), "/partners/facebook/disconnect"),
        (.adAccountRemove(.facebook, 7), "/partners/facebook/accounts/7/remove"), (.health, "/healthz"),
        (.settingsAPIKeys, "/settings/api-keys"), (.settingsPrivacy, "/settings/privacy"), (.ledger, "/ledger"), (.ledgerForget, "/ledger/forget"), (.metrics, "/metrics"), (.apiKeyRevoke(3), "/settings/api-keys/3/revoke"),
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

/// The table `audiencesync routes` prints (read by the security suite) is the router's own.
@Suite struct RouteTableTests {
    @Test func everyLineIsRoutedAndEveryRouteKindHasALine() {
        let lines = RouteTable.lines()
        for line in lines {
            let path = line.path.replacingOccurrences(of: "{\(line.parameters.first ?? "-")}", with: "11")
                .replacingOccurrences(of: "{\(line.parameters.last ?? "-")}", with: "22")
            guard let route = SiteRoute(path: path) else { Issue.record("\(line.path) does not route"); continue }
            #expect(Routes.entry(for: route, method: line.method) != nil, "\(line.method) \(line.path)")
            #expect(line.stateChanging == (line.method == "POST" && !route.isAPI), "\(line.method) \(line.path)")
        }
        for kind in SiteRoute.Kind.allCases {
            #expect(kind.samples(first: 11, second: 22).allSatisfy { $0.kind == kind }, "\(kind)")
            #expect(kind.samples(first: 11, second: 22).contains { route in ["GET", "POST"].contains { Routes.entry(for: route, method: $0) != nil } },
                    "\(kind) has no routed method")
        }
        #expect(Set(lines.map { "\($0.method) \($0.path)" }).count == lines.count)
        #expect(lines.contains { $0.method == "POST" && $0.path == "/canvases/{canvas}/steps/{step}/save" && $0.access == "signedIn" })
    }
}
