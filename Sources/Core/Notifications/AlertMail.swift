import Foundation

/// The subject and text of the two emails of a problem: when it starts and when it clears.
public struct AlertMail: Sendable, Equatable {
    /// The subject line.
    public let subject: String
    /// The plain-text body.
    public let text: String

    /// The email sent when `alert` starts.
    public static func opened(_ alert: Alert) -> AlertMail {
        AlertMail(subject: "[AudienceSync] Action needed: \(alert.title)", text: """
            \(alert.title)

            \(alert.detail)

            Users waiting for this \(alert.kind == .integration ? "connection" : "step") stay pending for up to 13 hours \
            from their first attempt, so fixing the cause now rescues them.

            Open: \(alert.link)

            You receive this because of your AudienceSync notification preferences or because you \
            \(alert.kind == .integration ? "connected this partner" : "launched this canvas"). One email is sent when a \
            problem starts and one when it clears.
            """)
    }

    /// The email sent when `alert` clears.
    public static func cleared(_ alert: Alert) -> AlertMail {
        AlertMail(subject: "[AudienceSync] Resolved: \(alert.title)", text: """
            Resolved: \(alert.title)

            Sending works again; users who were waiting are being synced.

            Open: \(alert.link)
            """)
    }
}
