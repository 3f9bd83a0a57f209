import Foundation

/// Where one partner lives and how this installation identifies itself to it.
public struct PartnerEndpoints: Sendable, Equatable {
    /// The browser-facing consent page (`https://www.facebook.com/v25.0/dialog/oauth`).
    public var authorizeURL: String
    /// The API base (`https://graph.facebook.com/v25.0`).
    public var apiBaseURL: String
    /// The OAuth token endpoint (code exchange and refresh), e.g. `https://oauth2.googleapis.com/token`.
    public var tokenURL: String
    /// The app's client id.
    public var clientID: String
    /// The app's client secret (never logged or shown).
    public var clientSecret: String
    /// Where a person accepts the custom-audience terms; `{account}` is replaced by the numeric account id.
    public var termsURL: String
    /// Partner-specific settings: Google's `ads_api_url` and `developer_token`, LinkedIn's `version`.
    public var extra: [String: String]

    /// Creates a value.
    public init(authorizeURL: String, apiBaseURL: String, tokenURL: String = "", clientID: String, clientSecret: String,
                termsURL: String = "", extra: [String: String] = [:]) {
        self.authorizeURL = authorizeURL; self.apiBaseURL = apiBaseURL; self.tokenURL = tokenURL; self.clientID = clientID
        self.clientSecret = clientSecret; self.termsURL = termsURL; self.extra = extra
    }
}

/// Every setting of an installation, read from `AUDIENCESYNC_*` variables (environment first, then the
/// optional settings file), with demo defaults that point every partner at the bundled sandbox.
public struct AppConfig: Sendable, Equatable {
    /// Folder for the database, key file, sockets and logs.
    public var dataDirectory: String
    /// The public URL of the dashboard; OAuth redirect URIs are built from it, never from the Host header.
    public var baseURL: String
    /// The public URL of the partner sandbox.
    public var sandboxURL: String
    /// The port nginx serves the dashboard on.
    public var httpPort: Int
    /// The port nginx serves the sandbox on.
    public var sandboxPort: Int
    /// The app's FastCGI socket.
    public var appSocket: String
    /// The sandbox's FastCGI socket.
    public var sandboxSocket: String
    /// The AES key file for partner tokens (created on first run).
    public var keyFile: String
    /// The Mustache templates folder.
    public var templatesDirectory: String
    /// The static files folder nginx serves.
    public var publicDirectory: String
    /// FastCGI accept threads.
    public var threads: Int
    /// Largest accepted request body.
    public var maxBodyBytes: Int
    /// Largest CSV import upload (spooled to disk, never held in memory).
    public var maxImportBytes: Int
    /// Where uploads and imports are kept while they are processed.
    public var importsDirectory: String { dataDirectory + "/imports" }
    /// Every partner's endpoints and app credentials (all seven are always present).
    public var partners: [PartnerID: PartnerEndpoints]
    /// Facebook's endpoints.
    public var facebook: PartnerEndpoints {
        get { partners[.facebook]! }
        set { partners[.facebook] = newValue }
    }
    /// Seconds a claim on sync items lasts without renewal (a crashed worker's items come back after it).
    public var syncLease: Int
    /// Facebook calls allowed per ad account per rolling hour.
    public var facebookHourlyCalls: Int
    /// Audience Sync Pro purchases (each allots three Pro partners).
    public var proPurchases: Int
    /// Where alert emails go out, if anywhere; without it they wait in the dashboard's outbox.
    public var mail: MailServerSettings?
    /// How fast one API key may call the REST API; `nil` (a rate of 0) lets every key call as fast as it can.
    public var apiRateLimit: APIRateLimit?
    /// Users waiting to sync (all steps) above which the API refuses new entries with 503 until the queue drains;
    /// 0 accepts whatever the queue holds.
    public var maxQueuedUsers: Int = 5_000_000

    /// The redirect URI registered with `partner`: one per partner, from the configured base URL.
    public func redirectURI(for partner: PartnerID) -> String { baseURL + "/oauth/callback/" + partner.rawValue }

    /// The SQLite database file.
    public var databasePath: String { dataDirectory + "/audiencesync.sqlite" }
    /// The sandbox's own SQLite file.
    public var sandboxDatabasePath: String { dataDirectory + "/sandbox.sqlite" }

    /// Reads settings from `environment`, falling back to `fileSettings` (the parsed settings file), then defaults.
    public static func load(environment: [String: String], fileSettings: [String: String] = [:]) throws(ConfigError) -> AppConfig {
        let source = SettingSource(environment: environment, file: fileSettings)
        let data = source.string("DATA_DIR", default: "./var")
        let sandbox = source.url("SANDBOX_URL", default: "http://127.0.0.1:8081")
        let config = AppConfig(
            dataDirectory: data,
            baseURL: source.url("BASE_URL", default: "http://127.0.0.1:8080"),
            sandboxURL: sandbox,
            httpPort: try source.int("HTTP_PORT", default: 8080, range: 1...65535),
            sandboxPort: try source.int("SANDBOX_PORT", default: 8081, range: 1...65535),
            appSocket: source.string("APP_SOCKET", default: data + "/run/app.sock"),
            sandboxSocket: source.string("SANDBOX_SOCKET", default: data + "/run/sandbox.sock"),
            keyFile: source.string("KEY_FILE", default: data + "/secret.key"),
            templatesDirectory: source.string("TEMPLATES_DIR", default: "./Templates"),
            publicDirectory: source.string("PUBLIC_DIR", default: "./Public"),
            threads: try source.int("THREADS", default: 32, range: 1...512),
            maxBodyBytes: try source.int("MAX_BODY_BYTES", default: 32 << 20, range: 1024...(1 << 31)),
            maxImportBytes: try source.int("MAX_IMPORT_BYTES", default: 1 << 30, range: 1024...(1 << 36)),
            partners: PartnerDefaults.endpoints(sandbox: sandbox, setting: { source.raw($0) }),
            syncLease: try source.int("SYNC_LEASE_SECONDS", default: 30, range: 3...600),
            facebookHourlyCalls: try source.int("FACEBOOK_HOURLY_CALLS", default: 190_000, range: 1...10_000_000),
            proPurchases: try source.int("PRO_PURCHASES", default: 1, range: 0...1000),
            mail: source.raw("SMTP_URL").map { url in
                MailServerSettings(url: url, username: source.raw("SMTP_USERNAME"), password: source.raw("SMTP_PASSWORD"),
                                   requireTLS: source.raw("SMTP_REQUIRE_TLS").map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false,
                                   from: source.string("MAIL_FROM", default: "AudienceSync <audiencesync@localhost>"))
            },
            apiRateLimit: try apiRateLimit(source),
            maxQueuedUsers: try source.int("MAX_QUEUED_USERS", default: 5_000_000, range: 0...1_000_000_000)
        )
        try config.validate()
        return config
    }

    /// `API_RATE_PER_SECOND` (default 100; 0 turns the limit off) and `API_BURST` (default twice the rate).
    private static func apiRateLimit(_ source: SettingSource) throws(ConfigError) -> APIRateLimit? {
        let rate = try source.int("API_RATE_PER_SECOND", default: 100, range: 0...1_000_000)
        guard rate > 0 else { return nil }
        let burst = try source.int("API_BURST", default: 2 * rate, range: 1...2_000_000)
        return APIRateLimit(perSecond: Double(rate), burst: Double(burst))
    }

    private func validate() throws(ConfigError) {
        let partnerURLs = partners.sorted { $0.key.rawValue < $1.key.rawValue }.flatMap { id, endpoints in
            let prefix = id.rawValue.uppercased()
            return [(prefix + "_AUTHORIZE_URL", endpoints.authorizeURL), (prefix + "_API_URL", endpoints.apiBaseURL),
                    (prefix + "_TOKEN_URL", endpoints.tokenURL)]
        }
        for (name, url) in [("BASE_URL", baseURL), ("SANDBOX_URL", sandboxURL)] + partnerURLs
            where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw .invalid(name: "AUDIENCESYNC_" + name, reason: "must start with http:// or https://")
        }
        // nginx answers only these two hosts (any other Host header has its connection closed).
        for (name, url) in [("BASE_URL", baseURL), ("SANDBOX_URL", sandboxURL)] where URL(string: url)?.host?.isEmpty ?? true {
            throw .invalid(name: "AUDIENCESYNC_" + name, reason: "must name a host, e.g. http://127.0.0.1:8080")
        }
        if let mail, !(mail.url.hasPrefix("smtp://") || mail.url.hasPrefix("smtps://")) {
            throw .invalid(name: "AUDIENCESYNC_SMTP_URL", reason: "must start with smtp:// or smtps://")
        }
        if let mail {
            do { _ = try MailAddress.mailbox(mail.from) } catch {
                throw .invalid(name: "AUDIENCESYNC_MAIL_FROM", reason: "must be an address like Name <alerts@example.com> (\(error))")
            }
        }
    }

    /// Parses a settings file of `AUDIENCESYNC_NAME=value` lines; `#` starts a comment; values may be quoted.
    public static func parseSettingsFile(_ text: String) throws(ConfigError) -> [String: String] {
        var settings: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw .invalid(name: "line \(number + 1)", reason: "expected NAME=value")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            settings[name] = value
        }
        return settings
    }
}

/// The SMTP server alert emails go through.
public struct MailServerSettings: Sendable, Equatable {
    /// `smtp://host:port` (STARTTLS when offered, or always with `requireTLS`) or `smtps://host:port`.
    public var url: String
    /// Credentials, when the server wants them (the password is never logged or shown).
    public var username: String?
    /// The password.
    public var password: String?
    /// Refuse to send over a connection that did not switch to TLS.
    public var requireTLS: Bool
    /// The From header and envelope sender, e.g. `AudienceSync <alerts@example.com>`.
    public var from: String

    /// Creates a value.
    public init(url: String, username: String?, password: String?, requireTLS: Bool, from: String) {
        self.url = url; self.username = username; self.password = password; self.requireTLS = requireTLS; self.from = from
    }
}

/// A setting that could not be used.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    /// `name` is set to something unusable.
    case invalid(name: String, reason: String)
    public var description: String {
        switch self { case .invalid(let name, let reason): "\(name) \(reason)" }
    }
}

/// Looks a setting up in the environment, then the file.
private struct SettingSource {
    let environment: [String: String]
    let file: [String: String]

    func raw(_ name: String) -> String? {
        let key = "AUDIENCESYNC_" + name
        if let value = environment[key], !value.isEmpty { return value }
        if let value = file[key], !value.isEmpty { return value }
        return nil
    }

    func string(_ name: String, default fallback: String) -> String { raw(name) ?? fallback }

    /// URLs lose a trailing slash so paths can be appended with one.
    func url(_ name: String, default fallback: String) -> String {
        var value = raw(name) ?? fallback
        while value.hasSuffix("/") { value.removeLast() }
        return value
    }

    func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let text = raw(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .invalid(name: "AUDIENCESYNC_" + name, reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
