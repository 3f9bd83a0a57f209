import HTTPClient

/// Delivers alert emails through an SMTP server with libcurl.
public struct SMTPMailTransport: MailTransport {
    let client: SMTPClient

    /// A transport for the server `settings` describe.
    public init(_ settings: SMTPSettings) { client = SMTPClient(settings: settings) }

    public func deliver(sender: String, recipients: [String], data: String) throws {
        try client.send(from: sender, to: recipients, data: data)
    }
}
