import Foundation

/// A plain-text email, ready to be rendered as an RFC 5322 message.
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
    /// Written as the `Date` header, in UTC.
    public let date: Date
    /// The `Message-ID` without angle brackets, `left@right`, e.g. `4f1c…@audiencesync.example`.
    public let messageID: String

    /// Builds a message; throws when there is no recipient or the message id is malformed.
    public init(
        from: MailAddress, to: [MailAddress], subject: String, text: String, date: Date, messageID: String
    ) throws(MailFormatError) {
        guard !to.isEmpty else { throw .noRecipients }
        guard Self.isValidMessageID(messageID) else { throw .invalidMessageID }
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.date = date
        self.messageID = messageID
    }

    /// The envelope sender for SMTP `MAIL FROM`.
    public var envelopeSender: String { from.address }

    /// The envelope recipients for SMTP `RCPT TO`, one per `To` address.
    public var envelopeRecipients: [String] { to.map(\.address) }

    /// The whole message: header fields, a blank line, the quoted-printable body; CRLF line
    /// endings throughout and no line longer than 998 characters (78 for the subject and,
    /// as far as addresses allow, the other fields; 76 in the body).
    public func rendered() -> String {
        let fields = [
            HeaderEncoding.fold(name: "Date", tokens: [MailDate.format(date)]),
            HeaderEncoding.fold(name: "From", tokens: from.headerTokens()),
            HeaderEncoding.fold(name: "To", tokens: Self.addressListTokens(to)),
            HeaderEncoding.fold(name: "Subject", tokens: HeaderEncoding.unstructuredTokens(HeaderEncoding.sanitized(subject))),
            HeaderEncoding.fold(name: "Message-ID", tokens: ["<\(messageID)>"]),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            // RFC 3834: tells auto-responders (vacation replies) not to answer.
            "Auto-Submitted: auto-generated",
        ]
        return fields.joined(separator: "\r\n") + "\r\n\r\n" + QuotedPrintable.encode(text)
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
