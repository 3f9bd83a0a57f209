import FastCGI
import Core
import Foundation
import Mustache

/// Loads every page template once at start-up and renders view models through the shared layout.
///
/// `{{x}}` escapes HTML; raw output (`{{{x}}}`) is only for fields whose names end in `HTML`.
struct Renderer: Sendable {
    private let library: MustacheLibrary

    /// Every template the dashboard renders; start-up fails when one is missing, not the first request.
    static let required = ["layout", "signin", "partners", "partner", "partner_accounts", "account_health", "oauth_error", "error", "api_keys", "canvases", "canvas", "step_editor", "step_chart", "ledger", "notifications", "outbox", "criteria_editor", "segments", "segment", "segment_export_form", "segment_export", "imports", "import", "api_reference", "privacy", "consent_policy", "confirm", "overview"]

    /// Reads `*.mustache` from `directory` (not its sub-folders: `sandbox/` belongs to the sandbox).
    init(directory: String) throws {
        HTMLEscaping.register()
        var templates: [String: MustacheTemplate] = [:]
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".mustache") }
        for file in names {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            templates[String(file.dropLast(".mustache".count))] = try MustacheTemplate(string: HTMLEscaping.pragma + text)
        }
        for name in Self.required where templates[name] == nil {
            throw RendererError.missingTemplate(name)
        }
        library = MustacheLibrary(templates: templates)
    }

    /// Renders `template` with `shell` and `content` as an HTML response.
    func page<Content>(_ template: String, shell: Shell, content: Content, status: Int = 200) -> Response {
        let values = TemplateValues.convert(Page(shell: shell, content: content)) ?? [String: Any]()
        let html = library.render(values, withTemplate: template) ?? ""
        return Response.html(html, status: status)
    }
}

/// A template could not be loaded.
enum RendererError: Error, CustomStringConvertible {
    case missingTemplate(String)
    var description: String {
        switch self { case .missingTemplate(let name): "missing template \(name).mustache" }
    }
}

/// What every page's template receives: the layout's data and the page's own.
struct Page<Content> {
    let shell: Shell
    let content: Content
}

/// The layout's data: title, navigation, the signed-in user, the sign-out form's token, a notice.
///
/// Every field is stored: templates read values through `Mirror`, which does not see computed properties.
struct Shell {
    let title: String
    let section: String
    let user: ShellUser?
    let csrfToken: String
    let notice: String?
    let nav: [NavItem]
    let signOutPath = SiteRoute.signOut.path

    init(title: String, section: String, user: ShellUser?, csrfToken: String, notice: String?) {
        self.title = title
        self.section = section
        self.user = user
        self.csrfToken = csrfToken
        self.notice = notice
        var items: [NavItem] = []
        if let user {
            items.append(NavItem(label: "Overview", path: SiteRoute.overview.path, isCurrent: section == "overview"))
            items.append(NavItem(label: "Canvases", path: SiteRoute.canvases.path, isCurrent: section == "canvases"))
            items.append(NavItem(label: "Segments", path: SiteRoute.segments.path, isCurrent: section == "segments"))
            items.append(NavItem(label: "Sync ledger", path: SiteRoute.ledger.path, isCurrent: section == "ledger"))
            items.append(NavItem(label: "Technology Partners", path: SiteRoute.partners.path, isCurrent: section == "partners"))
            if user.isAdmin { items.append(NavItem(label: "Settings", path: SiteRoute.settingsAPIKeys.path, isCurrent: section == "settings")) }
        }
        nav = items
    }
}

/// The signed-in user as the layout shows them.
struct ShellUser {
    let email: String
    let role: String
    let isAdmin: Bool
    init(_ user: Core.DashboardUser) {
        email = user.email
        role = user.role == .admin ? "Admin" : "Member"
        isAdmin = user.role == .admin
    }
}

/// A navigation link.
struct NavItem {
    let label: String
    let path: String
    let isCurrent: Bool
}

/// Confirmations shown once after a redirect, named in the query (`?notice=accounts-saved`).
///
/// Only these fixed texts can appear, so the query cannot inject content.
enum Notice: String {
    case connected, accountsSaved = "accounts-saved", disconnected, accountRemoved = "account-removed", checked,
         tokenSaved = "token-saved", signedOut = "signed-out", keyRevoked = "key-revoked", launched, retrying,
         recipientAdded = "recipient-added", recipientRemoved = "recipient-removed", proPartnersSaved = "pro-partners-saved",
         policySaved = "policy-saved"

    var text: String {
        switch self {
        case .connected: "Connected. Now choose the ad accounts this workspace syncs to."
        case .accountsSaved: "Ad accounts saved."
        case .disconnected: "Disconnected. The token was deleted from AudienceSync."
        case .accountRemoved: "The ad account was removed from this workspace."
        case .checked: "Connection checked just now."
        case .tokenSaved: "Token verified and saved. Now choose the ad accounts this workspace syncs to."
        case .signedOut: "You are signed out."
        case .keyRevoked: "The API key was revoked. Requests using it are refused from now on."
        case .retrying: "The errored users are queued again and will be sent within seconds."
        case .recipientAdded: "Recipient added. They are emailed when a problem of that kind starts and when it clears."
        case .recipientRemoved: "Recipient removed."
        case .proPartnersSaved: "Pro partners saved. They can be connected in every workspace."
        case .policySaved: "Consent policy saved. It applies to every batch and export from now on."
        case .launched: "Launched. New audiences were created at the partners; users who enter now move through the steps."
        }
    }
}
