import Core
import FastCGI
import Foundation
import Storage

/// `GET /settings/notifications`: Notification Preferences — who is emailed about which problems — and the
/// workspace's alerts, open ones first.
enum NotificationsPage {
    struct Content {
        let kinds: [KindView]
        let alerts: [AlertView]
        let hasAlerts: Bool
        let email: String
        let emailError: String?
        let action: String
        let outboxPath: String
        let csrfToken: String
    }

    struct KindView {
        let value: String
        let title: String
        let defaultRecipients: String
        let recipients: [RecipientView]
        let hasRecipients: Bool
        let isSelected: Bool
    }

    struct RecipientView {
        let email: String
        let removePath: String
    }

    struct AlertView {
        let title: String
        let detail: String
        let link: String
        let openedAt: String
        let isOpen: Bool
        let clearedAt: String
    }

    static func handle(_ context: RequestContext) throws -> Response {
        try render(context, email: "", kind: .step, status: 200, emailError: nil)
    }

    static func render(_ context: RequestContext, email: String, kind: AlertKind, status: Int, emailError: String?) throws -> Response {
        let workspace = context.user.workspaceID
        let chosen = try context.app.store.notificationRecipients(workspaceID: workspace)
        let kinds = AlertKind.allCases.map { value in
            let recipients = chosen.filter { $0.kind == value }.map {
                RecipientView(email: $0.email, removePath: SiteRoute.notificationRecipientRemove($0.id).path)
            }
            return KindView(value: value.rawValue, title: value.title, defaultRecipients: value.defaultRecipients, recipients: recipients,
                            hasRecipients: !recipients.isEmpty, isSelected: value == kind)
        }
        let alerts = try context.app.store.alerts(workspaceID: workspace, limit: 50).map { record in
            AlertView(title: record.alert.title, detail: record.alert.detail, link: record.alert.link, openedAt: Formats.dateTime(record.openedAt),
                      isOpen: record.clearedAt == nil, clearedAt: record.clearedAt.map(Formats.dateTime) ?? "")
        }
        let content = Content(kinds: kinds, alerts: alerts, hasAlerts: !alerts.isEmpty, email: email, emailError: emailError,
                              action: SiteRoute.notifications.path, outboxPath: SiteRoute.outbox.path, csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("notifications", shell: context.shell(title: "Notification Preferences", section: "settings"),
                                     content: content, status: status)
    }
}

/// `POST /settings/notifications`: adds a recipient for one kind of problem.
enum NotificationRecipientAdd {
    static func handle(_ context: RequestContext) throws -> Response {
        let email = (context.request.form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let kind = AlertKind(rawValue: context.request.form["kind"] ?? "") else {
            return try NotificationsPage.render(context, email: email, kind: .step, status: 422, emailError: "Choose which problems to email.")
        }
        do {
            try MailAddress.validate(email.lowercased())
        } catch {
            return try NotificationsPage.render(context, email: email, kind: kind, status: 422,
                                                emailError: "Enter an email address like ops@example.com (\(error.description)).")
        }
        try context.app.store.addNotificationRecipient(workspaceID: context.user.workspaceID, kind: kind, email: email, now: context.now)
        return Response.redirect(to: SiteRoute.notifications.path + "?notice=" + Notice.recipientAdded.rawValue)
    }
}

/// `POST /settings/notifications/{id}/remove`: removes a recipient.
enum NotificationRecipientRemove {
    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        try context.app.store.removeNotificationRecipient(workspaceID: context.user.workspaceID, id: id)
        return Response.redirect(to: SiteRoute.notifications.path + "?notice=" + Notice.recipientRemoved.rawValue)
    }
}
