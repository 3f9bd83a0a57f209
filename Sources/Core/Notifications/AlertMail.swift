import Foundation

/// The subject and body of the two emails of a problem: when it starts and when it clears.
public struct AlertMail: Sendable, Equatable {
    /// The subject line.
    public let subject: String
    /// The body, sent as plain text with an HTML alternative.
    public let body: MailBody

    /// The plain-text body.
    public var text: String { body.text }

    /// The email sent when `alert` starts.
    public static func opened(_ alert: Alert) -> AlertMail {
        let what = alert.kind == .integration ? "connection" : "step"
        let why = alert.kind == .integration ? "connected this partner" : "launched this canvas"
        return AlertMail(subject: "[AudienceSync] Action needed: \(alert.title)", body: MailBody([
            .paragraph(alert.title),
            .paragraph(alert.detail),
            .paragraph("Users waiting for this \(what) stay pending for up to 13 hours from their first attempt, so fixing the cause now "
                       + "rescues them."),
            .link(label: "Open", url: alert.link),
            .paragraph("You receive this because of your AudienceSync notification preferences or because you \(why). One email is sent "
                       + "when a problem starts and one when it clears."),
        ]))
    }

    /// The email sent when `alert` clears.
    public static func cleared(_ alert: Alert) -> AlertMail {
        AlertMail(subject: "[AudienceSync] Resolved: \(alert.title)", body: MailBody([
            .paragraph("Resolved: \(alert.title)"),
            .paragraph("Sending works again; users who were waiting are being synced."),
            .link(label: "Open", url: alert.link),
        ]))
    }
}
