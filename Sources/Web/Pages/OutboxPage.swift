import Core
import FastCGI
import Foundation
import Storage

/// `GET /settings/outbox`: every alert email of the workspace and what became of it. Without an SMTP server
/// (the demo) this is where the emails are read.
enum OutboxPage {
    struct Content {
        let mails: [MailView]
        let hasMails: Bool
        let smtpConfigured: Bool
        let notificationsPath: String
    }

    struct MailView {
        let recipient: String
        let subject: String
        let body: String
        let createdAt: String
        let status: String
        let isSent: Bool
        let isFailed: Bool
        let lastError: String?
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let configured = context.app.config.mail != nil
        let mails = try context.app.store.outbox(workspaceID: context.user.workspaceID, limit: 100).map { mail in
            MailView(recipient: mail.recipient, subject: mail.subject, body: mail.body, createdAt: Formats.dateTime(mail.createdAt),
                     status: status(mail, smtpConfigured: configured), isSent: mail.state == "sent", isFailed: mail.state == "failed",
                     lastError: mail.lastError)
        }
        let content = Content(mails: mails, hasMails: !mails.isEmpty, smtpConfigured: configured, notificationsPath: SiteRoute.notifications.path)
        return context.renderer.page("outbox", shell: context.shell(title: "Outbox", section: "settings"), content: content)
    }

    static func status(_ mail: OutboxMail, smtpConfigured: Bool) -> String {
        switch mail.state {
        case "sent": "Sent " + (mail.sentAt.map(Formats.dateTime) ?? "")
        case "failed": "Not delivered"
        default: smtpConfigured ? (mail.attempts > 0 ? "Retrying" : "Sending") : "In the outbox (no SMTP server configured)"
        }
    }
}
