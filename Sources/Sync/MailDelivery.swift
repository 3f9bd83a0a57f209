import Core
import Foundation
import Logging
import Storage

/// Hands a rendered email to a mail server (SMTP over libcurl in `serve`; a recorder in tests).
public protocol MailTransport: Sendable {
    /// Delivers `data` (a whole RFC 5322 message) from `sender` to `recipients`; throws with a message safe to show.
    func deliver(sender: String, recipients: [String], data: String) throws
}

/// Sends the outbox: every queued alert email goes to the mail server, oldest first; a refused or failed
/// delivery is tried again with backoff for a day, then marked as not delivered (the outbox page says why).
/// Without a mail server nothing runs and the emails wait in the outbox page.
public final class MailDelivery: Sendable {
    let store: Store
    let transport: any MailTransport
    let sender: MailAddress
    let now: @Sendable () -> Date
    let logger: Logger
    private let loop: BackgroundLoop
    /// How long a failing email keeps being retried.
    let giveUpAfter: TimeInterval = 86_400

    /// Creates the sender; nothing runs until ``start()``.
    public init(store: Store, transport: any MailTransport, sender: MailAddress, interval: TimeInterval = 2,
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "audiencesync.mail")) {
        self.store = store; self.transport = transport; self.sender = sender; self.now = now; self.logger = logger
        loop = BackgroundLoop(interval: interval)
    }

    /// Starts the sending thread.
    public func start() { loop.start { [self] in deliverDue() } }

    /// Stops after the email in hand.
    public func stop() { loop.stop() }

    /// Sends every due email once. - Returns: how many the server took.
    @discardableResult
    public func deliverDue() -> Int {
        let time = now()
        guard let due = try? store.mailDue(now: time) else { return 0 }
        return due.reduce(0) { sent, mail in sent + (deliver(mail, at: time) ? 1 : 0) }
    }

    private func deliver(_ mail: OutboxMail, at time: Date) -> Bool {
        do {
            let message = try MailMessage(from: sender, to: [MailAddress(mail.recipient)], subject: mail.subject, text: mail.body, html: mail.html,
                                          date: mail.createdAt, messageID: "outbox-\(mail.id).\(Int(mail.createdAt.timeIntervalSince1970))@audiencesync")
            try transport.deliver(sender: message.envelopeSender, recipients: message.envelopeRecipients, data: message.rendered())
            try store.markMailSent(id: mail.id, now: now())
            logger.info("alert email \(mail.id) sent")
            return true
        } catch let error as MailFormatError {
            // An address that cannot be written into a message never will be: do not retry.
            try? store.markMailFailed(id: mail.id, error: error.description, retryAt: nil)
        } catch {
            let retry = RetryPolicy().backoff(attempts: mail.attempts + 1, jitter: Double.random(in: 0...1))
            let at = time.addingTimeInterval(max(retry, 30))
            let keepTrying = at.timeIntervalSince(mail.createdAt) < giveUpAfter
            try? store.markMailFailed(id: mail.id, error: String(describing: error), retryAt: keepTrying ? at : nil)
            logger.warning("alert email \(mail.id) not delivered: \(error)")
        }
        return false
    }
}
