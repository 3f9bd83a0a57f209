import Core
import FastCGI
import Foundation
import Partners

/// `GET /partners/{partner}`: the connection, its health and its ad accounts, or how to connect.
enum PartnerPage {
    struct Content {
        let name: String
        let partnerNoun: String
        let isConnectable: Bool
        let isPro: Bool
        let connection: ConnectionView?
        let accounts: [AccountView]
        let hasAccounts: Bool
        let canManage: Bool
        let connectPath: String
        let tokenPath: String
        let tokenError: String?
        /// The pasted-token form, for partners that take one.
        let tokenForm: TokenFormView?
        let alert: String?
        let checkPath: String
        let accountsPath: String
        let disconnectPath: String
        let csrfToken: String
    }

    struct TokenFormView {
        let heading: String
        let explanation: String
        let label: String
    }

    struct ConnectionView {
        let isValid: Bool
        let statusMessage: String?
        let kind: String
        let actingAs: String
        let connectedAt: String
        let expiry: String
        /// "Renewed automatically until …" where the partner issued a refresh token.
        let renewal: String?
        let expiryWarning: String?
        let checkedAt: String
    }

    struct AccountView {
        let name: String
        let externalID: String
        let currency: String
        let health: AccountHealthView
        let removePath: String
    }

    static func handle(_ context: RequestContext, _ partner: PartnerID) throws -> Response {
        try render(context, partner, tokenError: nil, alert: nil, status: 200)
    }

    /// Renders the page; `tokenError` is shown next to the system-user token field, `alert` above everything.
    static func render(_ context: RequestContext, _ partner: PartnerID, tokenError: String?, alert: String? = nil,
                       status: Int) throws -> Response {
        let info = PartnerInfo.of(partner)
        let connection = try context.app.store.connection(workspaceID: context.user.workspaceID, partner: partner)
        let accounts = try connection.map { try context.app.store.adAccounts(connectionID: $0.id) } ?? []
        let connector = context.app.connectors[partner]
        let content = Content(
            name: info.displayName, partnerNoun: info.adAccountNoun, isConnectable: info.isConnectable && connector != nil,
            isPro: info.tier == .pro, connection: connection.map { view($0, now: context.now) },
            accounts: accounts.map { view($0, partner: partner, connector: connector) }, hasAccounts: !accounts.isEmpty,
            canManage: context.user.role == .admin, connectPath: SiteRoute.partnerConnect(partner).path,
            tokenPath: SiteRoute.partnerToken(partner).path, tokenError: tokenError,
            tokenForm: connector?.acceptsPastedToken == true ? tokenForm(partner) : nil, alert: alert, checkPath: SiteRoute.partnerCheck(partner).path,
            accountsPath: SiteRoute.partnerAccounts(partner).path, disconnectPath: SiteRoute.partnerDisconnect(partner).path,
            csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("partner", shell: context.shell(title: info.displayName, section: "partners"), content: content,
                                     status: status)
    }

    static func view(_ connection: Connection, now: Date) -> ConnectionView {
        ConnectionView(
            isValid: connection.status == .valid, statusMessage: connection.statusMessage,
            kind: connection.tokenKind == .oauth ? "Signed in with \(PartnerInfo.of(connection.partner).displayName) (OAuth)" : "System user token",
            actingAs: connection.partnerUserName ?? "unknown", connectedAt: Formats.dateTime(connection.connectedAt),
            expiry: connection.expiresAt.map { "\(Formats.dateTime($0)) (\(Formats.relative($0, now: now)))" } ?? "Never expires",
            renewal: renewal(connection),
            expiryWarning: expiryWarning(connection.reconnectBy, now: now),
            checkedAt: connection.checkedAt.map(Formats.dateTime) ?? "never")
    }

    /// How a refreshable sign-in renews itself, and until when.
    static func renewal(_ connection: Connection) -> String? {
        guard connection.sealedRefreshToken != nil else { return nil }
        guard let until = connection.refreshExpiresAt else { return "Renewed automatically with a refresh token" }
        return "Renewed automatically until \(Formats.date(until)), when someone must reconnect"
    }

    /// The pasted-token form's words for `partner`.
    static func tokenForm(_ partner: PartnerID) -> TokenFormView {
        let name = PartnerInfo.of(partner).displayName
        switch partner {
        case .facebook:
            return TokenFormView(heading: "Or use a system user token",
                                 explanation: "A Business Manager system user token does not expire when a person leaves or changes their password. It is checked with \(name) before it is saved, and stored encrypted.",
                                 label: "System user token")
        default:
            return TokenFormView(heading: "Or paste an access token",
                                 explanation: "A long-term access token issued to your \(name) developer app. It is checked with \(name) before it is saved, and stored encrypted.",
                                 label: "Access token")
        }
    }

    /// A warning when the token expires within 14 days or already has.
    static func expiryWarning(_ expiresAt: Date?, now: Date) -> String? {
        guard let expiresAt else { return nil }
        if expiresAt <= now { return "The token has expired. Reconnect to keep syncing." }
        if expiresAt.timeIntervalSince(now) < 14 * 86_400 {
            return "The token expires \(Formats.relative(expiresAt, now: now)). Reconnect before then to keep syncing."
        }
        return nil
    }

    private static func view(_ account: SelectedAdAccount, partner: PartnerID, connector: (any PartnerConnector)?) -> AccountView {
        AccountView(
            name: account.name, externalID: account.externalID, currency: account.currency ?? "",
            health: AccountHealthView(facts: account.facts, partner: partner, reason: AccountUsability.reason(account, live: nil, partner: partner),
                                      termsURL: connector?.termsURL(accountExternalID: account.externalID)),
            removePath: SiteRoute.adAccountRemove(partner, account.id).path)
    }
}

/// Dates and numbers as the dashboard shows them (UTC, unambiguous; thousands grouped with commas).
enum Formats {
    /// "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// "22 Nov 2026".
    static func date(_ date: Date) -> String { UTCDate(date).day }
    /// "22 Nov 2026, 13:05 UTC".
    static func dateTime(_ date: Date) -> String { UTCDate(date).dayAndTime }

    /// "in 59 days", "in 3 hours", "2 days ago".
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        let magnitude = abs(seconds)
        let text = magnitude >= 2 * 86_400 ? "\(Int(magnitude / 86_400)) days"
            : magnitude >= 2 * 3600 ? "\(Int(magnitude / 3600)) hours" : "\(max(1, Int(magnitude / 60))) minutes"
        return seconds >= 0 ? "in \(text)" : "\(text) ago"
    }
}
