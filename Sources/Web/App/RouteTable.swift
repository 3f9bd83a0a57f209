import Core
import Foundation

/// The router's table as data, for `audiencesync routes` and the security suite (CSRF and isolation matrices), so
/// those tests walk what the app really routes instead of a hand list that goes stale.
///
/// ``SiteRoute/Kind`` mirrors the cases of ``SiteRoute`` through exhaustive switches: a new route case does not
/// compile until it is listed here, and the methods come from ``Routes/entry(for:method:)`` itself.
public enum RouteTable {
    /// One routed (method, path) pair. Ids in the path are `{name}` placeholders named in `parameters`.
    public struct Line: Sendable, Equatable, Codable {
        public let method: String
        public let path: String
        public let parameters: [String]
        /// `anyone`, `signedIn`, `admin` or `apiKey`.
        public let access: String
        /// Whether the request changes state and so needs a CSRF token (every non-GET dashboard route).
        public let stateChanging: Bool
    }

    /// Every routed (method, path) pair, partners and actions expanded.
    public static func lines() -> [Line] {
        var lines: [Line] = []
        for kind in SiteRoute.Kind.allCases {
            for route in kind.samples(first: placeholder.0, second: placeholder.1) {
                for method in ["GET", "POST"] {
                    guard let entry = route.isAPI ? apiEntry(route, method) : Routes.entry(for: route, method: method) else { continue }
                    var path = route.path
                    path = path.replacingOccurrences(of: String(placeholder.0), with: "{\(kind.parameters.first ?? "")}")
                    path = path.replacingOccurrences(of: String(placeholder.1), with: "{\(kind.parameters.last ?? "")}")
                    lines.append(Line(method: method, path: path, parameters: kind.parameters, access: name(entry.access),
                                      stateChanging: method != "GET" && entry.access != .apiKey))
                }
            }
        }
        return lines
    }

    /// Ids no real route contains, replaced by placeholders in the paths.
    private static let placeholder: (Int64, Int64) = (987_654_321_001, 987_654_321_002)

    /// API routes are answered by ``APIGate``; their methods are the table's too.
    private static func apiEntry(_ route: SiteRoute, _ method: String) -> RouteEntry? {
        guard let entry = Routes.entry(for: route, method: method), entry.access == .apiKey else { return nil }
        return entry
    }

    private static func name(_ access: Access) -> String {
        switch access {
        case .anyone: "anyone"
        case .signedIn: "signedIn"
        case .admin: "admin"
        case .apiKey: "apiKey"
        }
    }
}

extension SiteRoute {
    /// The shape of each route case, without its values.
    public enum Kind: String, CaseIterable, Sendable {
        case home, overview, signIn, signOut, partners, partner, partnerConnect, oauthCallback, partnerAccounts, partnerToken, partnerCheck
        case partnerDisconnect, adAccountRemove, health, settingsAPIKeys, apiKeyRevoke, apiUsersTrack, apiUsersDelete, apiCanvasTrigger
        case apiDataSummary, ledger, ledgerForget, metrics, canvases, canvas, canvasAction, canvasFigures, step, stepAction, notifications, notificationRecipientRemove, settingsPrivacy
        case outbox, proPartners, segments, segment, segmentAction, segmentExportForm, segmentExport, segmentExportProgress
        case profileImports, profileImport, profileImportProgress, profileImportRejects, apiOpenAPI, apiReference

        /// The names of the ids in the path, in order.
        public var parameters: [String] {
            switch self {
            case .adAccountRemove: ["account"]
            case .apiKeyRevoke: ["key"]
            case .canvas, .canvasAction, .canvasFigures: ["canvas"]
            case .step, .stepAction: ["canvas", "step"]
            case .notificationRecipientRemove: ["recipient"]
            case .segment, .segmentAction, .segmentExportForm: ["segment"]
            case .segmentExport, .segmentExportProgress: ["segment", "export"]
            case .profileImport, .profileImportProgress, .profileImportRejects: ["import"]
            default: []
            }
        }

        /// Every route of this shape for the given ids: each partner, each action.
        public func samples(first: Int64, second: Int64) -> [SiteRoute] {
            let partners = PartnerID.allCases
            switch self {
            case .home: return [.home]
            case .overview: return [.overview]
            case .signIn: return [.signIn]
            case .signOut: return [.signOut]
            case .partners: return [.partners]
            case .partner: return partners.map { .partner($0) }
            case .partnerConnect: return partners.map { .partnerConnect($0) }
            case .oauthCallback: return partners.map { .oauthCallback($0) }
            case .partnerAccounts: return partners.map { .partnerAccounts($0) }
            case .partnerToken: return partners.map { .partnerToken($0) }
            case .partnerCheck: return partners.map { .partnerCheck($0) }
            case .partnerDisconnect: return partners.map { .partnerDisconnect($0) }
            case .adAccountRemove: return partners.map { .adAccountRemove($0, first) }
            case .health: return [.health]
            case .settingsAPIKeys: return [.settingsAPIKeys]
            case .apiKeyRevoke: return [.apiKeyRevoke(first)]
            case .apiUsersTrack: return [.apiUsersTrack]
            case .apiUsersDelete: return [.apiUsersDelete]
            case .apiCanvasTrigger: return [.apiCanvasTrigger]
            case .apiDataSummary: return [.apiDataSummary]
            case .ledger: return [.ledger]
            case .ledgerForget: return [.ledgerForget]
            case .metrics: return [.metrics]
            case .canvases: return [.canvases]
            case .canvas: return [.canvas(first)]
            case .canvasAction: return CanvasAction.allCases.map { .canvasAction(first, $0) }
            case .canvasFigures: return [.canvasFigures(first)]
            case .step: return [.step(first, second)]
            case .stepAction: return StepAction.allCases.map { .stepAction(first, second, $0) }
            case .notifications: return [.notifications]
            case .settingsPrivacy: return [.settingsPrivacy]
            case .notificationRecipientRemove: return [.notificationRecipientRemove(first)]
            case .outbox: return [.outbox]
            case .proPartners: return [.proPartners]
            case .segments: return [.segments]
            case .segment: return [.segment(first)]
            case .segmentAction: return SegmentAction.allCases.map { .segmentAction(first, $0) }
            case .segmentExportForm: return [.segmentExportForm(first)]
            case .segmentExport: return [.segmentExport(first, second)]
            case .segmentExportProgress: return [.segmentExportProgress(first, second)]
            case .profileImports: return [.profileImports]
            case .profileImport: return [.profileImport(first)]
            case .profileImportProgress: return [.profileImportProgress(first)]
            case .profileImportRejects: return [.profileImportRejects(first)]
            case .apiOpenAPI: return [.apiOpenAPI]
            case .apiReference: return [.apiReference]
            }
        }
    }

    /// The shape of this route; exhaustive, so a new case must be added to ``Kind`` (and so to ``RouteTable``).
    public var kind: Kind {
        switch self {
        case .home: .home
        case .overview: .overview
        case .signIn: .signIn
        case .signOut: .signOut
        case .partners: .partners
        case .partner: .partner
        case .partnerConnect: .partnerConnect
        case .oauthCallback: .oauthCallback
        case .partnerAccounts: .partnerAccounts
        case .partnerToken: .partnerToken
        case .partnerCheck: .partnerCheck
        case .partnerDisconnect: .partnerDisconnect
        case .adAccountRemove: .adAccountRemove
        case .health: .health
        case .settingsAPIKeys: .settingsAPIKeys
        case .apiKeyRevoke: .apiKeyRevoke
        case .apiUsersTrack: .apiUsersTrack
        case .apiUsersDelete: .apiUsersDelete
        case .apiCanvasTrigger: .apiCanvasTrigger
        case .apiDataSummary: .apiDataSummary
        case .ledger: .ledger
        case .ledgerForget: .ledgerForget
        case .metrics: .metrics
        case .canvases: .canvases
        case .canvas: .canvas
        case .canvasAction: .canvasAction
        case .canvasFigures: .canvasFigures
        case .step: .step
        case .stepAction: .stepAction
        case .notifications: .notifications
        case .settingsPrivacy: .settingsPrivacy
        case .notificationRecipientRemove: .notificationRecipientRemove
        case .outbox: .outbox
        case .proPartners: .proPartners
        case .segments: .segments
        case .segment: .segment
        case .segmentAction: .segmentAction
        case .segmentExportForm: .segmentExportForm
        case .segmentExport: .segmentExport
        case .segmentExportProgress: .segmentExportProgress
        case .profileImports: .profileImports
        case .profileImport: .profileImport
        case .profileImportProgress: .profileImportProgress
        case .profileImportRejects: .profileImportRejects
        case .apiOpenAPI: .apiOpenAPI
        case .apiReference: .apiReference
        }
    }
}
