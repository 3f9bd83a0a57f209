import Foundation

/// Settings of one sandbox instance: where its database lives, how it names itself in links, where its
/// templates are, and the OAuth apps registered with the emulated partners.
public struct SandboxConfiguration: Sendable {
    /// Path of the sandbox's own SQLite file; created when missing and opened in WAL mode.
    public var databasePath: String
    /// The sandbox's public origin, e.g. `http://127.0.0.1:8081`. Paging `next` links and the links in
    /// error messages are built from it, never from the request's Host header.
    public var publicBaseURL: String
    /// The folder that holds `sandbox/*.mustache` (the project's `Templates/` folder).
    public var templatesDirectory: String
    /// The OAuth app registered with each emulated partner, by partner name (`facebook`, `tiktok`, …).
    public var apps: [String: SandboxApp]
    /// The one Facebook app registered with the emulated Meta developer console.
    public var facebookApp: SandboxApp { app("facebook") }
    /// The wall clock. The sandbox adds its own stored offset (advanced by `POST /_sandbox/clock`) to every
    /// reading, so tests can compress hours into milliseconds.
    public var now: @Sendable () -> Date

    /// Creates a configuration; `now` defaults to the system clock.
    public init(
        databasePath: String, publicBaseURL: String, templatesDirectory: String, facebookApp: SandboxApp,
        apps: [String: SandboxApp] = [:], now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.databasePath = databasePath
        self.publicBaseURL = publicBaseURL
        self.templatesDirectory = templatesDirectory
        self.apps = apps.merging(["facebook": facebookApp]) { _, facebook in facebook }
        self.now = now
    }

    /// The app registered with `partner`; a partner without one gets the demo defaults (`sandbox-<partner>-app`,
    /// `sandbox-<partner>-secret`, redirect `http://127.0.0.1:8080/oauth/callback/<partner>`), which is what an
    /// installation uses unless told otherwise.
    public func app(_ partner: String) -> SandboxApp {
        apps[partner] ?? SandboxApp(clientID: "sandbox-\(partner)-app", clientSecret: "sandbox-\(partner)-secret", name: "AudienceSync Demo",
                                    redirectURIs: ["http://127.0.0.1:8080/oauth/callback/\(partner)"])
    }

    /// `publicBaseURL` without a trailing slash, so paths can be appended as they are.
    var baseURL: String {
        var url = publicBaseURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// An OAuth client registered with an emulated partner (for Facebook: an app in the developer console).
public struct SandboxApp: Sendable {
    /// The app id (`client_id`), e.g. `sandbox-facebook-app`.
    public var clientID: String
    /// The app secret (`client_secret`); also the key of `appsecret_proof`.
    public var clientSecret: String
    /// The app's display name shown on the consent page, e.g. `AudienceSync Demo`.
    public var name: String
    /// The registered "Valid OAuth Redirect URIs"; a redirect URI must match one of them exactly.
    public var redirectURIs: [String]

    /// Creates an app registration.
    public init(clientID: String, clientSecret: String, name: String, redirectURIs: [String]) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.name = name
        self.redirectURIs = redirectURIs
    }
}
