/// Where and how `SMTPClient` delivers mail.
///
/// `description` and the reflection mirror leave the password out, so logging or
/// dumping the settings never reveals it.
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// `smtp://host:port` (STARTTLS when the server offers it, or always with `requireTLS`)
    /// or `smtps://host:port` (TLS from the first byte). Any other scheme is refused, and so
    /// are credentials in the URL: they belong in `username`/`password`. A path sets the
    /// name sent with `EHLO` (`smtp://relay:587/app.example.com`); without one libcurl
    /// sends this machine's host name.
    public var url: String
    /// Sent with `AUTH` (curl picks the strongest mechanism the server offers) when set
    /// together with `password`. libcurl skips authentication when the server offers none.
    public var username: String?
    /// Never appears in descriptions or errors.
    public var password: String?
    /// For `smtp://`: fail unless the server offers STARTTLS, rather than carry on in
    /// clear. Ignored for `smtps://`, which is always TLS.
    public var requireTLS: Bool
    /// Credentials are refused unless TLS is guaranteed (`smtps://` or `requireTLS`: an
    /// opportunistic upgrade can be stripped by anyone on the path) or this is set; meant
    /// for a relay on loopback or in tests.
    public var allowsCleartextCredentials: Bool
    /// A PEM file of certificate authorities to trust instead of the system's, for a relay
    /// with a private CA. Certificates are always verified; there is no way to turn that off.
    public var caBundlePath: String?
    /// Connect limit, and the limit for the whole conversation including the final `QUIT`.
    public var timeouts: HTTPTimeouts

    /// Creates settings; the defaults suit an occasional notification email.
    public init(
        url: String,
        username: String? = nil,
        password: String? = nil,
        requireTLS: Bool = false,
        allowsCleartextCredentials: Bool = false,
        caBundlePath: String? = nil,
        timeouts: HTTPTimeouts = .init(connect: 10, total: 60)
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.requireTLS = requireTLS
        self.allowsCleartextCredentials = allowsCleartextCredentials
        self.caBundlePath = caBundlePath
        self.timeouts = timeouts
    }

    /// Whether both halves of the credentials are present and non-empty.
    var hasCredentials: Bool {
        !(username ?? "").isEmpty && !(password ?? "").isEmpty
    }

    /// The server and options, without the password (nor one wrongly put into the URL).
    public var description: String {
        let login = username.map { "user \($0)" } ?? "no login"
        return "SMTPSettings(\(SMTPValidation.redacted(url)), \(login), requireTLS: \(requireTLS))"
    }

    /// Every field except the password, so `dump` and debuggers do not show it either.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "url": SMTPValidation.redacted(url), "username": username as Any,
            "password": password == nil ? "nil" : "<redacted>",
            "requireTLS": requireTLS, "allowsCleartextCredentials": allowsCleartextCredentials,
            "caBundlePath": caBundlePath as Any, "timeouts": timeouts,
        ])
    }
}
