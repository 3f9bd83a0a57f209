import Foundation

/// An email — plain text, or plain text with an HTML alternative — ready to be rendered as an RFC 5322 message.
///
/// Pure: the date and the message id are given, never read from a clock or generated,
/// so a rendering is reproducible and testable. Every field is `let` because the
/// validation done in `init` must hold for the rendering.
public struct MailMessage: Sendable, Equatable {
    /// The author, shown in `From`; also the natural envelope sender.
    public let from: MailAddress
    /// The recipients, shown in `To`; also the natural envelope recipients.
    public let to: [MailAddress]
    /// Any text; line breaks are neutralised and non-ASCII is encoded when rendered.
    public let subject: String
    /// The plain-text body; any line-break convention is accepted.
    public let text: String
    /// The same body as HTML, sent beside the text as `multipart/alternative` (RFC 2046 §5.1.4); nil sends text only.
    public let html: String?
    /// Written as the `Date` header, in UTC.
    public let date: Date
    /// The `Message-ID` without angle brackets, `left@right`, e.g. `4f1c…@audiencesync.example`.
    public let messageID: String

    /// Builds a message; throws when there is no recipient or the message id is malformed.
    public init(
        from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil, date: Date, messageID: String
    ) throws(MailFormatError) {
        guard !to.isEmpty else { throw .noRecipients }
        guard Self.isValidMessageID(messageID) else { throw .invalidMessageID }
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
        self.messageID = messageID
    }

    /// The envelope sender for SMTP `MAIL FROM`.
    public var envelopeSender: String { from.address }

    /// The envelope recipients for SMTP `RCPT TO`, one per `To` address.
    public var envelopeRecipients: [String] { to.map(\.address) }

    /// The whole message: header fields, a blank line, the quoted-printable body (or, with `html`, its two
    /// quoted-printable parts, text first as RFC 2046 asks: the last part is the preferred one); CRLF line endings
    /// throughout and no line longer than 998 characters (78 for the subject and, as far as addresses allow, the
    /// other fields; 76 in the body).
    public func rendered() -> String {
        let fields = [
            HeaderEncoding.fold(name: "Date", tokens: [MailDate.format(date)]),
            HeaderEncoding.fold(name: "From", tokens: from.headerTokens()),
            HeaderEncoding.fold(name: "To", tokens: Self.addressListTokens(to)),
            HeaderEncoding.fold(name: "Subject", tokens: HeaderEncoding.unstructuredTokens(HeaderEncoding.sanitized(subject))),
            HeaderEncoding.fold(name: "Message-ID", tokens: ["<\(messageID)>"]),
            "MIME-Version: 1.0",
        ]
        // RFC 3834: tells auto-responders (vacation replies) not to answer.
        let autoSubmitted = "Auto-Submitted: auto-generated"
        guard let html else {
            return (fields + Self.partFields("text/plain") + [autoSubmitted]).joined(separator: "\r\n") + "\r\n\r\n" + QuotedPrintable.encode(text)
        }
        let boundary = Self.boundary
        return (fields + ["Content-Type: multipart/alternative; boundary=\"\(boundary)\"", autoSubmitted]).joined(separator: "\r\n") + "\r\n\r\n"
            + "--\(boundary)\r\n" + Self.partFields("text/plain").joined(separator: "\r\n") + "\r\n\r\n" + QuotedPrintable.encode(text)
            + "--\(boundary)\r\n" + Self.partFields("text/html").joined(separator: "\r\n") + "\r\n\r\n" + QuotedPrintable.encode(html)
            + "--\(boundary)--\r\n"
    }

    /// The parts' delimiter. Quoted-printable writes every `=` as `=3D`, so "=_" can never occur inside an encoded
    /// part (RFC 2045 §6.7 suggests exactly this): one fixed boundary is safe for any content.
    static let boundary = "=_audiencesync_alternative"

    /// A body's content fields: UTF-8 text, quoted-printable.
    private static func partFields(_ type: String) -> [String] {
        ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
    }

    /// Mailboxes separated by commas; a fold may fall between any two tokens.
    private static func addressListTokens(_ addresses: [MailAddress]) -> [String] {
        var tokens: [String] = []
        for (index, address) in addresses.enumerated() {
            var mailbox = address.headerTokens()
            if index < addresses.count - 1 { mailbox[mailbox.count - 1] += "," }
            tokens += mailbox
        }
        return tokens
    }

    /// RFC 5322 `msg-id` without brackets, limited to its dot-atom form: nothing in it can
    /// break the header line or the brackets around it.
    private static func isValidMessageID(_ id: String) -> Bool {
        guard id.utf8.count <= 250, let at = id.firstIndex(of: "@") else { return false }
        return MailSyntax.isDotAtom(id[..<at]) && MailSyntax.isDotAtom(id[id.index(after: at)...])
    }
}
