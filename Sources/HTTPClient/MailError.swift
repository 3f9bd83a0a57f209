/// Why `SMTPClient.send` did not hand the message over.
///
/// Descriptions say which step failed and, when the server answered, its reply code and
/// text. They never contain the password: it is only ever handed to libcurl, our SMTP
/// trace never records what is sent during `AUTH`, and a reply that repeats the password
/// is withheld.
public enum MailError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL is malformed, not `smtp://`/`smtps://`, has no host or carries credentials.
    case invalidURL
    /// The envelope sender is empty or contains spaces, control characters or `<>`.
    case invalidSender
    /// Recipient number `index` (from 0) is empty or contains spaces, control characters or `<>`.
    case invalidRecipient(index: Int)
    /// There was no recipient.
    case noRecipients
    /// Credentials were configured for a connection that would not be encrypted.
    case cleartextCredentials
    /// The host could not be resolved, refused the connection or was unreachable.
    case couldNotConnect(host: String)
    /// The connect or total timeout expired.
    case timedOut
    /// TLS was required but the server does not offer STARTTLS.
    case tlsUnavailable
    /// The TLS handshake or certificate check failed; `message` is curl's text.
    case tlsFailed(message: String)
    /// The server refused the login (`code` is usually 535), or offered no mechanism curl can use.
    case authenticationFailed(code: Int?, reply: String)
    /// The server refused `MAIL FROM` (530 here usually means it wants a login first).
    case senderRejected(code: Int, reply: String)
    /// The server refused `RCPT TO` for this recipient; nothing was sent to anyone.
    case recipientRejected(recipient: String, code: Int, reply: String)
    /// The server refused `DATA` or the message itself after receiving it.
    case messageRejected(code: Int, reply: String)
    /// Any other refusal (greeting, `EHLO`, `STARTTLS`, …).
    case serverRejected(code: Int, reply: String)
    /// Any other curl failure; `code` is the `CURLcode`, `message` curl's generic text for it.
    case transport(code: Int, message: String)

    /// Short English text that is safe to log.
    public var description: String {
        switch self {
        case .invalidURL:
            "invalid SMTP URL (smtp:// or smtps:// with a host and no credentials)"
        case .invalidSender:
            "invalid envelope sender address"
        case .invalidRecipient(let index):
            "invalid envelope recipient address (number \(index + 1))"
        case .noRecipients:
            "no recipients"
        case .cleartextCredentials:
            "refusing to send credentials without TLS (use smtps:// or requireTLS)"
        case .couldNotConnect(let host):
            "could not connect to mail server \(host)"
        case .timedOut:
            "mail server timed out"
        case .tlsUnavailable:
            "mail server does not offer STARTTLS, which is required"
        case .tlsFailed(let message):
            "TLS with the mail server failed: \(message)"
        case .authenticationFailed(let code, let reply):
            "mail server refused the login" + Self.said(code, reply)
        case .senderRejected(let code, let reply):
            "mail server refused the sender" + Self.said(code, reply)
        case .recipientRejected(let recipient, let code, let reply):
            "mail server refused recipient \(recipient)" + Self.said(code, reply)
        case .messageRejected(let code, let reply):
            "mail server refused the message" + Self.said(code, reply)
        case .serverRejected(let code, let reply):
            "mail server refused the conversation" + Self.said(code, reply)
        case .transport(let code, let message):
            "mail transport error \(code): \(message)"
        }
    }

    private static func said(_ code: Int?, _ reply: String) -> String {
        switch (code, reply.isEmpty) {
        case (nil, true): ""
        case (nil, false): ": server said \(reply)"
        case (let code?, true): ": server said \(code)"
        case (let code?, false): ": server said \(code) \(reply)"
        }
    }
}
