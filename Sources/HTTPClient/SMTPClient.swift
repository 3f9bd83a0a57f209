import CCurl

/// Sends mail over SMTP with libcurl; meant for occasional notification emails.
///
/// Safe to share across threads: it holds only its settings, and every `send` uses its
/// own easy handle and connection, closed before `send` returns (a few emails an hour do
/// not justify a connection pool). Environment proxies and non-SMTP schemes are disabled.
public final class SMTPClient: Sendable {
    private let settings: SMTPSettings

    /// Creates a client; nothing is checked or connected until `send`.
    public init(settings: SMTPSettings) {
        self.settings = settings
    }

    /// Delivers `data` (a complete RFC 5322 message, e.g. `MailMessage.rendered()`) to the
    /// server for every address in `to`; blocking.
    ///
    /// All or nothing: if the server refuses any recipient, nothing is sent to anyone and
    /// the error names that recipient. Bare CR or LF in `data` are sent as CRLF; libcurl
    /// dot-stuffs lines that start with ".", so the body needs no escaping.
    public func send(from: String, to: [String], data: String) throws(MailError) {
        try SMTPValidation.check(settings)
        try SMTPValidation.checkEnvelope(from: from, to: to)
        if let failure = CurlRuntime.ensureInitialized(), case .transport(let code, let message) = failure {
            throw .transport(code: code, message: message)
        }
        guard let easy = curl_easy_init() else {
            throw .transport(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "Out of memory")
        }
        let transfer = SMTPTransfer(easy: easy, settings: settings, payload: SMTPValidation.payload(data))
        // curl holds an unretained pointer to `transfer` until cleanup, so it must outlive both.
        let failure: MailError? = withExtendedLifetime(transfer) {
            defer { curl_easy_cleanup(easy) }
            do throws(MailError) {
                try transfer.configure(from: from, to: to)
            } catch {
                return error
            }
            return transfer.error(for: curl_easy_perform(easy))
        }
        if let failure { throw failure }
    }
}
