import Core
import FastCGI
import Foundation
import HTTPClient
import Partners
import Storage
import Synchronization
import Web

/// A clock tests move by hand.
public final class TestClock: Sendable {
    private let current: Mutex<Date>
    /// Starts at `start`.
    public init(_ start: Date = Date()) { current = Mutex(start) }
    /// The current time.
    public var now: Date { current.withLock { $0 } }
    /// Moves the clock forward.
    public func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The dashboard built exactly as production builds it, on a fresh SQLite file, with a hand-moved clock
/// and Facebook pointed at a ``SandboxStack`` (or at a closed port when no sandbox is given).
public final class TestApp: Sendable {
    /// The base URL the test app believes it has.
    public static let baseURL = "http://127.0.0.1:8080"
    /// The responder under test.
    public let app: Application
    /// Its database.
    public let store: Store
    /// Its clock.
    public let clock: TestClock
    /// Its settings.
    public let config: AppConfig
    /// Its database file, for tests that read it raw.
    public let databasePath: String
    /// A real HTTP client, for talking to the sandbox as a browser would.
    public let http = HTTPClient()
    /// The token box the app seals partner tokens with.
    public let tokenBox: TokenBox
    /// The partner connectors the app uses.
    public let connectors: [PartnerID: any PartnerConnector]
    /// Every line the app wrote to its security log.
    public let securityLog = LogLines()

    /// Builds the app; `sandbox` supplies the partner endpoints, `environment` adds or overrides settings.
    public init(sandbox: SandboxStack? = nil, environment: [String: String] = [:]) throws {
        let folder = ProjectPaths.temporaryDirectory("app")
        let sandboxURL = sandbox?.url ?? "http://127.0.0.1:9"
        config = try AppConfig.load(environment: [
            "AUDIENCESYNC_DATA_DIR": folder, "AUDIENCESYNC_BASE_URL": Self.baseURL, "AUDIENCESYNC_SANDBOX_URL": sandboxURL,
            "AUDIENCESYNC_TEMPLATES_DIR": ProjectPaths.templates,
        ].merging(environment) { $1 })
        databasePath = config.databasePath
        store = try Store(path: config.databasePath)
        clock = TestClock()
        tokenBox = try TokenBox(keyBytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
        connectors = PartnerClients.all(config, http: http)
        let clock = clock
        app = try buildApplication(WebDependencies(config: config, store: store, tokenBox: tokenBox, connectors: connectors, now: { clock.now },
                                                   securityLogger: securityLog.logger(label: "audiencesync.security")))
    }

    /// Creates a user (and workspace) directly in the store.
    @discardableResult
    public func createUser(workspace: String, email: String, password: String = "correct horse battery", role: Role = .admin,
                           replaceExisting: Bool = false) throws -> DashboardUser {
        try store.createUser(workspaceName: workspace, email: email, passwordHash: PasswordHasher().hash(password), role: role,
                             replaceExisting: replaceExisting, now: clock.now)
    }

    /// A browser-like client of this app with its own cookie jar.
    public func browser(address: String = "127.0.0.1") -> TestBrowser { TestBrowser(app: app, address: address) }
}

/// Drives the responder like a browser: keeps cookies, finds CSRF tokens in the last page, follows nothing.
public final class TestBrowser: Sendable {
    let app: Application
    let address: String
    private let state = Mutex<(cookies: [String: String], lastPage: String)>(([:], ""))

    init(app: Application, address: String) { self.app = app; self.address = address }

    /// The cookies the app has set and not cleared.
    public var cookies: [String: String] { state.withLock { $0.cookies } }
    /// Replaces the cookie jar (e.g. to present another browser's session).
    public func setCookies(_ cookies: [String: String]) { state.withLock { $0.cookies = cookies } }

    /// `GET path?query`.
    @discardableResult
    public func get(_ path: String, query: [(String, String)] = [], headers: [String: String] = [:]) -> Response {
        send(Request(method: "GET", path: path, query: FormValues(query.map { (name: $0.0, value: $0.1) }), headers: headers))
    }

    /// `POST` a form; the CSRF token of the last page is added unless `csrf` says otherwise.
    @discardableResult
    public func post(_ path: String, _ form: [(String, String)] = [], csrf: String? = nil, headers: [String: String] = [:]) -> Response {
        let token = csrf ?? lastCSRFToken ?? ""
        let body = URLEncoding.encode([("_csrf", token)] + form)
        var allHeaders = headers
        allHeaders["content-type"] = "application/x-www-form-urlencoded"
        return send(Request(method: "POST", path: path, headers: allHeaders, body: Array(body.utf8)))
    }

    /// `POST` a destructive or costly action as a user does: the form is sent, and when the app answers with its
    /// confirmation page, that page's own form (every hidden field it re-posts, `confirmed=1`, its CSRF token) is
    /// submitted as the Confirm button would. Any other answer (a refusal, a form shown again with errors) is
    /// returned as it is. `confirmation` receives the confirmation page, for tests that check what it says.
    @discardableResult
    public func postConfirmed(_ path: String, _ form: [(String, String)] = [], confirmation: ((Response) -> Void)? = nil) -> Response {
        let first = post(path, form)
        guard first.status == 200, let fields = Self.confirmFormFields(first.text) else { return first }
        confirmation?(first)
        let body = URLEncoding.encode(fields)
        return send(Request(method: "POST", path: path, headers: ["content-type": "application/x-www-form-urlencoded"], body: Array(body.utf8)))
    }

    /// The hidden fields of a confirmation page's form (`id="confirm-form"`), unescaped, in order; nil when the page
    /// is not a confirmation.
    public static func confirmFormFields(_ page: String) -> [(String, String)]? {
        guard let start = page.range(of: #"id="confirm-form">"#),
              let end = page.range(of: "</form>", range: start.upperBound..<page.endIndex) else { return nil }
        let form = page[start.upperBound..<end.lowerBound]
        let pattern = /<input type="hidden" name="([^"]*)" value="([^"]*)">/
        return form.matches(of: pattern).map { (unescape(String($0.output.1)), unescape(String($0.output.2))) }
    }

    /// Undoes the template's HTML escaping of attribute values.
    public static func unescape(_ text: String) -> String {
        var out = text
        for (entity, character) in [("&quot;", "\""), ("&#39;", "'"), ("&#x27;", "'"), ("&#x2F;", "/"), ("&#x3D;", "="), ("&#x60;", "`"),
                                    ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: character)
        }
        return out
    }

    /// The `_csrf` value of the last HTML page received.
    public var lastCSRFToken: String? {
        let page = state.withLock { $0.lastPage }
        guard let range = page.range(of: #"name="_csrf" value=""#) else { return nil }
        let rest = page[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Signs in and returns the final response of the sign-in POST.
    @discardableResult
    public func signIn(_ email: String, _ password: String = "correct horse battery") -> Response {
        get("/signin")
        return post("/signin", [("email", email), ("password", password), ("next", "/partners")])
    }

    /// Sends any request with the jar's cookies and records what comes back.
    @discardableResult
    public func send(_ request: Request) -> Response {
        var request = request
        request.remoteAddress = address
        request.cookies = cookies
        let response = app.respond(to: request)
        state.withLock { state in
            for header in response.headerValues("Set-Cookie") {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
                if value.isEmpty || header.contains("Max-Age=0") { state.cookies[name] = nil } else { state.cookies[name] = value }
            }
            if response.header("Content-Type")?.hasPrefix("text/html") == true { state.lastPage = response.text }
        }
        return response
    }
}
