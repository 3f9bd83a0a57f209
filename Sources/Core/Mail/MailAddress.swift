/// A validated mailbox: a plain `local@domain` address plus an optional display name.
///
/// Validation is deliberately narrower than RFC 5322 (no quoted local parts, no address
/// literals, ASCII only): the address goes verbatim into the SMTP envelope and the `From`/`To`
/// headers, and the narrow form can never carry a line break, a space or a bracket into either.
public struct MailAddress: Sendable, Hashable {
    /// The `local@domain` address, exactly as given.
    public let address: String
    /// Shown by mail readers next to the address. Any text is accepted; line breaks and
    /// other control characters are neutralised when the header is rendered.
    public let displayName: String?

    /// RFC 5321 §4.5.3.1.1: 64 octets for the local part.
    public static let maxLocalPartLength = 64
    /// RFC 5321 limits a path to 256 octets including the angle brackets (RFC 3696 errata).
    public static let maxLength = 254

    /// Validates `address`; `displayName` may be any text (an empty one counts as none).
    public init(_ address: String, displayName: String? = nil) throws(MailFormatError) {
        try Self.validate(address)
        self.address = address
        self.displayName = displayName.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Throws the first rule `address` breaks.
    public static func validate(_ address: String) throws(MailFormatError) {
        guard !address.isEmpty else { throw .emptyAddress }
        guard address.utf8.count <= maxLength else { throw .addressTooLong }
        // The last `@` separates the parts; an `@` in the local part then fails the dot-atom test.
        guard let at = address.lastIndex(of: "@") else { throw .missingAtSign }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { throw .missingAtSign }
        guard local.utf8.count <= maxLocalPartLength else { throw .localPartTooLong }
        guard MailSyntax.isDotAtom(local) else { throw .invalidLocalPart }
        guard MailSyntax.isHostName(domain) else { throw .invalidDomain }
    }

    /// The mailbox as it appears in a header: `"Name" <address>`, an RFC 2047 encoded name
    /// before `<address>`, or the bare address. Split into the pieces between which the
    /// header may be folded.
    func headerTokens() -> [String] {
        guard let displayName else { return [address] }
        let name = HeaderEncoding.sanitized(displayName)
        guard !name.isEmpty else { return [address] }
        return HeaderEncoding.phraseTokens(name) + ["<\(address)>"]
    }
}
