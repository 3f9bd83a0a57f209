import Core

/// Every page and action of the dashboard, used both to match requests and to build links.
///
/// Templates never build URLs: view models carry `SiteRoute(...).path` values.
public enum SiteRoute: Equatable, Sendable {
    case home
    case overview
    case signIn
    case signOut
    case partners
    case partner(PartnerID)
    case partnerConnect(PartnerID)
    case oauthCallback(PartnerID)
    case partnerAccounts(PartnerID)
    case partnerToken(PartnerID)
    case partnerCheck(PartnerID)
    case partnerDisconnect(PartnerID)
    case adAccountRemove(PartnerID, Int64)
    case health
    case settingsAPIKeys
    case apiKeyRevoke(Int64)
    case apiUsersTrack
    case apiUsersDelete
    case apiCanvasTrigger
    case apiDataSummary
    case ledger
    case ledgerForget
    case metrics
    case canvases
    case canvas(Int64)
    case canvasAction(Int64, CanvasAction)
    /// The canvas page's figures as JSON, for `/static/canvas-live.js`.
    case canvasFigures(Int64)
    case step(Int64, Int64)
    case stepAction(Int64, Int64, StepAction)
    case notifications
    case settingsPrivacy
    case notificationRecipientRemove(Int64)
    case outbox
    case proPartners
    case segments
    case segment(Int64)
    case segmentAction(Int64, SegmentAction)
    case segmentExportForm(Int64)
    case segmentExport(Int64, Int64)
    case segmentExportProgress(Int64, Int64)
    case profileImports
    case profileImport(Int64)
    case profileImportProgress(Int64)
    case profileImportRejects(Int64)
    case apiOpenAPI
    case apiReference

    /// Whether the route belongs to the REST API (bearer API key, JSON, no session or CSRF).
    /// Every route of the REST API that takes a key, for the OpenAPI agreement test (keep in step with `isAPI`).
    public static let keyedAPIRoutes: [SiteRoute] = [.apiUsersTrack, .apiUsersDelete, .apiCanvasTrigger, .apiDataSummary]

    public var isAPI: Bool {
        switch self {
        case .apiUsersTrack, .apiUsersDelete, .apiCanvasTrigger, .apiDataSummary: true
        default: false
        }
    }

    /// The path of this route.
    public var path: String {
        switch self {
        case .home: "/"
        case .overview: "/overview"
        case .signIn: "/signin"
        case .signOut: "/signout"
        case .partners: "/partners"
        case .partner(let p): "/partners/\(p.rawValue)"
        case .partnerConnect(let p): "/partners/\(p.rawValue)/connect"
        case .oauthCallback(let p): "/oauth/callback/\(p.rawValue)"
        case .partnerAccounts(let p): "/partners/\(p.rawValue)/accounts"
        case .partnerToken(let p): "/partners/\(p.rawValue)/token"
        case .partnerCheck(let p): "/partners/\(p.rawValue)/check"
        case .partnerDisconnect(let p): "/partners/\(p.rawValue)/disconnect"
        case .adAccountRemove(let p, let id): "/partners/\(p.rawValue)/accounts/\(id)/remove"
        case .health: "/healthz"
        case .settingsAPIKeys: "/settings/api-keys"
        case .apiKeyRevoke(let id): "/settings/api-keys/\(id)/revoke"
        case .apiUsersTrack: "/api/v1/users/track"
        case .apiUsersDelete: "/api/v1/users/delete"
        case .apiCanvasTrigger: "/api/v1/canvas/trigger/send"
        case .apiDataSummary: "/api/v1/canvas/data_summary"
        case .ledger: "/ledger"
        case .ledgerForget: "/ledger/forget"
        case .metrics: "/metrics"
        case .canvases: "/canvases"
        case .canvas(let id): "/canvases/\(id)"
        case .canvasAction(let id, let action): "/canvases/\(id)/\(action.rawValue)"
        case .canvasFigures(let id): "/canvases/\(id)/figures.json"
        case .step(let canvas, let step): "/canvases/\(canvas)/steps/\(step)"
        case .stepAction(let canvas, let step, let action): "/canvases/\(canvas)/steps/\(step)/\(action.rawValue)"
        case .notifications: "/settings/notifications"
        case .settingsPrivacy: "/settings/privacy"
        case .notificationRecipientRemove(let id): "/settings/notifications/\(id)/remove"
        case .outbox: "/settings/outbox"
        case .proPartners: "/partners/pro"
        case .segments: "/segments"
        case .segment(let id): "/segments/\(id)"
        case .segmentAction(let id, let action): "/segments/\(id)/\(action.rawValue)"
        case .segmentExportForm(let id): "/segments/\(id)/export"
        case .segmentExport(let id, let export): "/segments/\(id)/exports/\(export)"
        case .segmentExportProgress(let id, let export): "/segments/\(id)/exports/\(export)/progress"
        case .profileImports: "/settings/imports"
        case .profileImport(let id): "/settings/imports/\(id)"
        case .profileImportProgress(let id): "/settings/imports/\(id)/progress"
        case .profileImportRejects(let id): "/settings/imports/\(id)/rejected.csv"
        case .apiOpenAPI: "/api/v1/openapi.json"
        case .apiReference: "/api-reference"
        }
    }

    /// The route a path names, if any.
    public init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch parts.first ?? "" {
        case "" where parts.count <= 1: self = .home
        case "overview" where parts.count == 1: self = .overview
        case "signin" where parts.count == 1: self = .signIn
        case "signout" where parts.count == 1: self = .signOut
        case "healthz" where parts.count == 1: self = .health
        case "ledger" where parts.count == 1: self = .ledger
        case "ledger" where parts.count == 2 && parts[1] == "forget": self = .ledgerForget
        case "metrics" where parts.count == 1: self = .metrics
        case "partners" where parts.count == 1: self = .partners
        case "partners" where parts.count == 2 && parts[1] == "pro": self = .proPartners
        case "partners":
            guard let partner = PartnerID(rawValue: parts[1]), let route = Self.partnerRoute(partner, Array(parts.dropFirst(2))) else { return nil }
            self = route
        case "settings" where parts.count == 2 && parts[1] == "api-keys": self = .settingsAPIKeys
        case "settings" where parts.count == 2 && parts[1] == "notifications": self = .notifications
        case "settings" where parts.count == 2 && parts[1] == "privacy": self = .settingsPrivacy
        case "settings" where parts.count == 2 && parts[1] == "outbox": self = .outbox
        case "settings" where parts.count == 2 && parts[1] == "imports": self = .profileImports
        case "settings" where parts.count >= 3 && parts.count <= 4 && parts[1] == "imports":
            guard let id = Int64(parts[2]), id > 0 else { return nil }
            switch parts.count == 4 ? parts[3] : "" {
            case "": self = .profileImport(id)
            case "progress": self = .profileImportProgress(id)
            case "rejected.csv": self = .profileImportRejects(id)
            default: return nil
            }
        case "settings" where parts.count == 4 && parts[1] == "notifications" && parts[3] == "remove":
            guard let id = Int64(parts[2]), id > 0 else { return nil }
            self = .notificationRecipientRemove(id)
        case "settings" where parts.count == 4 && parts[1] == "api-keys" && parts[3] == "revoke":
            guard let id = Int64(parts[2]), id > 0 else { return nil }
            self = .apiKeyRevoke(id)
        case "api-reference" where parts.count == 1: self = .apiReference
        case "api" where parts.count == 3 && parts[1] == "v1" && parts[2] == "openapi.json": self = .apiOpenAPI
        case "api" where parts.count >= 4 && parts[1] == "v1":
            switch parts.dropFirst(2).joined(separator: "/") {
            case "users/track": self = .apiUsersTrack
            case "users/delete": self = .apiUsersDelete
            case "canvas/trigger/send": self = .apiCanvasTrigger
            case "canvas/data_summary": self = .apiDataSummary
            default: return nil
            }
        case "segments":
            guard let route = Self.segmentRoute(Array(parts.dropFirst())) else { return nil }
            self = route
        case "canvases":
            guard let route = Self.canvasRoute(Array(parts.dropFirst())) else { return nil }
            self = route
        case "oauth" where parts.count == 3 && parts[1] == "callback":
            guard let partner = PartnerID(rawValue: parts[2]) else { return nil }
            self = .oauthCallback(partner)
        default: return nil
        }
    }

    private static func partnerRoute(_ partner: PartnerID, _ rest: [String]) -> SiteRoute? {
        if rest.isEmpty { return .partner(partner) }
        if rest.count == 3, rest[0] == "accounts", rest[2] == "remove", let id = Int64(rest[1]), id > 0 { return .adAccountRemove(partner, id) }
        guard rest.count == 1 else { return nil }
        switch rest[0] {
        case "connect": return .partnerConnect(partner)
        case "accounts": return .partnerAccounts(partner)
        case "token": return .partnerToken(partner)
        case "check": return .partnerCheck(partner)
        case "disconnect": return .partnerDisconnect(partner)
        default: return nil
        }
    }

    private static func segmentRoute(_ rest: [String]) -> SiteRoute? {
        if rest.isEmpty { return .segments }
        guard let id = Int64(rest[0]), id > 0 else { return nil }
        switch rest.count {
        case 1: return .segment(id)
        case 2 where rest[1] == "export": return .segmentExportForm(id)
        case 2: return SegmentAction(rawValue: rest[1]).map { .segmentAction(id, $0) }
        case 3 where rest[1] == "exports": return Int64(rest[2]).flatMap { $0 > 0 ? .segmentExport(id, $0) : nil }
        case 4 where rest[1] == "exports" && rest[3] == "progress": return Int64(rest[2]).flatMap { $0 > 0 ? .segmentExportProgress(id, $0) : nil }
        default: return nil
        }
    }

    private static func canvasRoute(_ rest: [String]) -> SiteRoute? {
        if rest.isEmpty { return .canvases }
        guard let id = Int64(rest[0]), id > 0 else { return nil }
        switch rest.count {
        case 1: return .canvas(id)
        case 2 where rest[1] == "figures.json": return .canvasFigures(id)
        case 2: return CanvasAction(rawValue: rest[1]).map { .canvasAction(id, $0) }
        case 3 where rest[1] == "steps": return Int64(rest[2]).map { .step(id, $0) }
        case 4 where rest[1] == "steps": return Int64(rest[2]).flatMap { step in StepAction(rawValue: rest[3]).map { .stepAction(id, step, $0) } }
        default: return nil
        }
    }
}

/// The POST actions on a canvas (`/canvases/{id}/{action}`).
public enum CanvasAction: String, Sendable, CaseIterable {
    case rename, addFilter = "add-filter", removeFilter = "remove-filter", autoEnter = "auto-enter", entryAction = "entry-action"
    case addStep = "add-step"
    case launch, stop, resume, delete
}

/// The POST actions on a segment (`/segments/{id}/{action}`).
public enum SegmentAction: String, Sendable, CaseIterable {
    case rename, addFilter = "add-filter", removeFilter = "remove-filter", delete
}

/// The POST actions on a step (`/canvases/{id}/steps/{step}/{action}`).
public enum StepAction: String, Sendable, CaseIterable {
    case save, moveUp = "move-up", moveDown = "move-down", remove, retryErrored = "retry-errored"
}
