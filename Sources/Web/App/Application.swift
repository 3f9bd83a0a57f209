import Core
import FastCGI
import Foundation
import Logging
import Partners
import Storage
import Sync

/// Everything the dashboard depends on; production and tests build it with different values.
public struct WebDependencies: Sendable {
    /// The installation's settings.
    public var config: AppConfig
    /// The database.
    public var store: Store
    /// Seals partner tokens.
    public var tokenBox: TokenBox
    /// One connector per connectable partner.
    public var connectors: [PartnerID: any PartnerConnector]
    /// The clock.
    public var now: @Sendable () -> Date
    /// Password hashing (argon2id).
    public var passwords: PasswordHasher
    /// Where request and error lines go.
    public var logger: Logger
    /// Where security events go (sign-ins, refusals, keys, connections: reliability.md A-12).
    public var securityLogger: Logger
    /// Access tokens, renewed where the partner issues refresh tokens.
    public let tokens: ConnectionTokens
    /// Each API key's request budget (`config.apiRateLimit`, read when the dependencies are made).
    let apiRateLimiter: APIRateLimiter
    /// The step pages' charts, drawn once per distinct input.
    let charts = ChartCache()

    /// Creates the dependencies.
    public init(config: AppConfig, store: Store, tokenBox: TokenBox, connectors: [PartnerID: any PartnerConnector],
                now: @escaping @Sendable () -> Date = { Date() }, passwords: PasswordHasher = PasswordHasher(),
                logger: Logger = Logger(label: "audiencesync.web"), securityLogger: Logger = Logger(label: "audiencesync.security")) {
        self.config = config; self.store = store; self.tokenBox = tokenBox; self.connectors = connectors
        self.now = now; self.passwords = passwords; self.logger = logger; self.securityLogger = securityLogger
        tokens = ConnectionTokens(store: store, tokenBox: tokenBox, connectors: connectors, now: now)
        apiRateLimiter = APIRateLimiter(limit: config.apiRateLimit)
    }
}

/// Builds the dashboard: the composition root shared by `audiencesync serve` and the tests.
/// - Throws: when a template is missing or does not parse.
public func buildApplication(_ dependencies: WebDependencies) throws -> Application {
    Application(dependencies: dependencies, renderer: try Renderer(directory: dependencies.config.templatesDirectory))
}

/// The dashboard's ``Responder``: routes, sessions, access rules and CSRF checks around the handlers.
public final class Application: Responder {
    let dependencies: WebDependencies
    let renderer: Renderer
    let activity = SessionActivity()
    let oneTimeSecrets = OneTimeSecrets()

    init(dependencies: WebDependencies, renderer: Renderer) {
        self.dependencies = dependencies
        self.renderer = renderer
    }

    /// Answers one request; never throws, every failure becomes a page.
    public func respond(to request: Request) -> Response {
        let started = DispatchTime.now()
        let requestID = SecurityEvent.newRequestID()
        let response = route(request, requestID: requestID)
        let millis = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        // Path only: query strings can carry OAuth codes and states. The id ties this line to security events.
        dependencies.logger.info("\(request.method) \(request.path) \(response.status) \(String(format: "%.1f", millis))ms request=\(requestID)")
        return response
    }

    /// Whether `request` (headers only) comes from a signed-in admin, who alone may upload imports: the server asks
    /// before writing a large body to disk.
    public func admitsUpload(_ request: Request) -> Bool {
        guard let session = try? Sessions.load(request, store: dependencies.store, activity: activity, now: dependencies.now()) else { return false }
        return session.user.role == .admin
    }

    private func route(_ request: Request, requestID: String) -> Response {
        let method = request.method == "HEAD" ? "GET" : request.method
        let now = dependencies.now()
        let session: SessionRecord?
        do {
            session = try Sessions.load(request, store: dependencies.store, activity: activity, now: now)
        } catch {
            return ErrorPages.unavailable(renderer, error, logger: dependencies.logger)
        }
        let context = RequestContext(request: request, app: dependencies, renderer: renderer, now: now, session: session, apiWorkspaceID: nil,
                                     secrets: oneTimeSecrets, requestID: requestID)
        guard let route = SiteRoute(path: request.path) else { return ErrorPages.notFound(context) }
        if route.isAPI { return APIGate.respond(route, method: method, context) }
        guard let entry = Routes.entry(for: route, method: method) else {
            return Routes.hasOtherMethod(route, than: method)
                ? ErrorPages.page(renderer, status: 405, title: "Not allowed", message: "This address does not accept that kind of request.",
                                  shell: context.shell(title: "Not allowed", section: ""))
                : ErrorPages.notFound(context)
        }
        if let refusal = AccessRules.check(entry, context) { return refusal }
        if method != "GET", let refusal = CSRF.check(context) { return refusal }
        if method != "GET", let session { try? dependencies.store.touchSession(idHash: session.idHash, now: now) }
        do {
            if let gate = entry.confirm, let answer = try Confirm.apply(try gate(context), context) { return answer }
            return try entry.handle(context)
        } catch StoreError.notFound {
            return ErrorPages.notFound(context)
        } catch StoreError.conflict(let reason) {
            // A rule of the data refused the change (e.g. editing the path of a launched canvas).
            return ErrorPages.page(renderer, status: 409, title: "That change is not possible",
                                   message: "Nothing was changed: \(reason).", shell: context.shell(title: "Not possible", section: ""))
        } catch {
            return ErrorPages.unavailable(renderer, error, logger: dependencies.logger)
        }
    }
}

/// What a handler gets: the request, the dependencies, the time, and the signed-in session if any.
struct RequestContext {
    let request: Request
    let app: WebDependencies
    let renderer: Renderer
    let now: Date
    let session: SessionRecord?
    /// The workspace of the API key that authenticated a REST call.
    let apiWorkspaceID: Int64?
    /// Secrets handed from a POST to the next page view.
    let secrets: OneTimeSecrets
    /// This request's id in the request and security logs.
    let requestID: String

    /// The signed-in user (handlers behind `.signedIn` or `.admin` can rely on it).
    var user: DashboardUser { session!.user }

    /// The layout's data for the signed-in user.
    func shell(title: String, section: String) -> Shell {
        Shell(title: title, section: section, user: session.map { ShellUser($0.user) }, csrfToken: session?.csrfToken ?? "",
              notice: Notice(rawValue: request.query["notice"] ?? "")?.text)
    }
}
