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
        let alert: String?
        let checkPath: String
        let accountsPath: String
        let disconnectPath: String
        let csrfToken: String
    }

    struct ConnectionView {
        let isValid: Bool
        let statusMessage: String?
        let kind: String
        let actingAs: String
        let connectedAt: String
        let expiry: String
        let expiryWarning: String?
        let checkedAt: String
    }

    struct AccountView {
        let name: String
        let externalID: String
        let currency: String
        let termsAccepted: Bool
        let termsUnknown: Bool
        let termsURL: String?
        let isAccessible: Bool
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
            tokenPath: SiteRoute.partnerToken(partner).path, tokenError: tokenError, alert: alert, checkPath: SiteRoute.partnerCheck(partner).path,
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
            expiry: connection.expiresAt.map { "\(Formats.date($0)) (\(Formats.relative($0, now: now)))" } ?? "Never expires",
            expiryWarning: expiryWarning(connection.expiresAt, now: now),
            checkedAt: connection.checkedAt.map(Formats.dateTime) ?? "never")
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
            termsAccepted: account.termsAccepted == true, termsUnknown: account.termsAccepted == nil,
            termsURL: connector?.termsURL(accountExternalID: account.externalID), isAccessible: account.isAccessible,
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
