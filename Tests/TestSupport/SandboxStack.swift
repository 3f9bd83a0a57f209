import Core
import FastCGI
import Foundation
import Sandbox

/// The partner sandbox served for real: its FastCGI responder in this process, the project's nginx in front.
///
/// Each test suite starts its own, so knobs one test turns never reach another.
public final class SandboxStack: Sendable {
    /// The redirect URI the sandbox's Facebook app has registered (the test app's base URL is fixed).
    public static let redirectURI = TestApp.baseURL + "/oauth/callback/facebook"
    /// The demo app's credentials.
    public static let clientID = "sandbox-facebook-app", clientSecret = "sandbox-facebook-secret"

    let server: FastCGIServer
    let nginx: NginxProcess
    /// The sandbox's base URL (`http://127.0.0.1:<port>`).
    public let url: String

    /// Starts the sandbox and its nginx.
    public init() throws {
        let folder = ProjectPaths.temporaryDirectory("sandbox")
        nginx = try NginxProcess(appSocket: folder + "/unused-app.sock", sandboxSocket: folder + "/sandbox.sock")
        url = nginx.sandboxURL
        let app = SandboxApp(clientID: Self.clientID, clientSecret: Self.clientSecret, name: "AudienceSync Demo", redirectURIs: [Self.redirectURI])
        // Every partner's app with the demo credentials and the test app's one redirect URI per partner.
        var apps: [String: SandboxApp] = [:]
        for partner in PartnerID.allCases {
            apps[partner.rawValue] = SandboxApp(clientID: "sandbox-\(partner.rawValue)-app", clientSecret: "sandbox-\(partner.rawValue)-secret",
                                                name: "AudienceSync Demo", redirectURIs: [TestApp.baseURL + "/oauth/callback/" + partner.rawValue])
        }
        let responder = try SandboxResponder(configuration: SandboxConfiguration(
            databasePath: folder + "/sandbox.sqlite", publicBaseURL: url, templatesDirectory: ProjectPaths.templates, facebookApp: app,
            apps: apps))
        server = FastCGIServer(configuration: FastCGIServerConfiguration(socketPath: folder + "/sandbox.sock", threads: 8), responder: responder)
        try server.start()
    }

    deinit {
        server.stop()
        nginx.stop()
    }
}
