import CCurl

/// Checks done before curl sees a send: things curl would accept but we must not do.
enum SMTPValidation {
    /// Longest envelope address RFC 5321 allows (a 256-octet path minus the brackets).
    static let maxAddressLength = 254

    /// The URL must parse, be smtp/smtps with a host, and carry no credentials (a URL is
    /// the kind of thing that gets logged); credentials must not travel in clear unless
    /// explicitly allowed.
    static func check(_ settings: SMTPSettings) throws(MailError) {
        guard !settings.url.utf8.contains(0), let parts = urlParts(settings.url) else { throw .invalidURL }
        guard parts.scheme == "smtp" || parts.scheme == "smtps", !parts.host.isEmpty, !parts.hasUserInfo else {
            throw .invalidURL
        }
        let encrypted = parts.scheme == "smtps" || settings.requireTLS
        if settings.hasCredentials && !encrypted && !settings.allowsCleartextCredentials {
            throw .cleartextCredentials
        }
    }

    /// Envelope addresses go into `MAIL FROM:<…>` and `RCPT TO:<…>` verbatim, so anything
    /// that could end the bracket or the command line is refused. Full syntax checks are
    /// the caller's (`MailAddress` in Core); this is the transport's own guard.
    static func checkEnvelope(from: String, to: [String]) throws(MailError) {
        guard isSafeAddress(from) else { throw .invalidSender }
        guard !to.isEmpty else { throw .noRecipients }
        if let index = to.firstIndex(where: { !isSafeAddress($0) }) { throw .invalidRecipient(index: index) }
    }

    /// The message as bytes with every bare CR or LF turned into CRLF. SMTP allows no bare
    /// line breaks, libcurl's dot-stuffing only recognises "CRLF .", and a bare LF before a
    /// dot is what SMTP smuggling attacks rely on.
    static func payload(_ data: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.utf8.count + 64)
        var previous: UInt8 = 0
        for byte in data.utf8 {
            if byte == 0x0A && previous != 0x0D { bytes.append(0x0D) }
            if previous == 0x0D && byte != 0x0A { bytes.append(0x0A) }
            bytes.append(byte)
            previous = byte
        }
        if previous == 0x0D { bytes.append(0x0A) }
        return bytes
    }

    /// `scheme://host:port` without user, password or path, for descriptions; a URL curl
    /// cannot parse is not shown at all, since it cannot be redacted reliably.
    static func redacted(_ url: String) -> String {
        guard let parts = urlParts(url) else { return "(unparsable URL)" }
        return "\(parts.scheme)://\(parts.host)" + (parts.port.map { ":\($0)" } ?? "")
    }

    private static func isSafeAddress(_ address: String) -> Bool {
        !address.isEmpty && address.utf8.count <= maxAddressLength && address.utf8.allSatisfy { byte in
            byte > 0x20 && byte != 0x7F && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">")
        }
    }

    /// Scheme (lower-cased by curl), host, port and whether user or password are present,
    /// from curl's own parser so the check agrees with what curl will connect to.
    private static func urlParts(_ url: String) -> (scheme: String, host: String, port: String?, hasUserInfo: Bool)? {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else { return nil }
        func part(_ which: CURLUPart) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, which, &value, 0) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME) else { return nil }
        let hasUserInfo = part(CURLUPART_USER) != nil || part(CURLUPART_PASSWORD) != nil
        return (scheme.lowercased(), part(CURLUPART_HOST) ?? "", part(CURLUPART_PORT), hasUserInfo)
    }
}
