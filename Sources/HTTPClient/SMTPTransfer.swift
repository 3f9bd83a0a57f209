import CCurl

/// One message bound to one easy handle for one `curl_easy_perform`: option setup, the
/// C callbacks' destination (upload data and protocol trace), and turning the outcome
/// into a `MailError`.
///
/// A class because curl reaches it from `@convention(c)` callbacks, which cannot capture,
/// through an unretained opaque pointer; `SMTPClient` keeps the instance alive until the
/// handle is cleaned up. Never leaves the thread that calls `send`.
final class SMTPTransfer {
    private let easy: UnsafeMutableRawPointer
    private let settings: SMTPSettings
    private let payload: [UInt8]
    private var uploaded = 0
    private var recipientList: UnsafeMutablePointer<curl_slist>?
    private var trace = SMTPTrace()

    /// `payload` must already have CRLF line endings (`SMTPValidation.payload`).
    init(easy: UnsafeMutableRawPointer, settings: SMTPSettings, payload: [UInt8]) {
        self.easy = easy
        self.settings = settings
        self.payload = payload
    }

    deinit {
        curl_slist_free_all(recipientList)
    }

    /// Applies every option the send needs.
    func configure(from: String, to: [String]) throws(MailError) {
        try applyPolicy()
        try applyTimeouts(settings.timeouts)
        try applyCredentials()
        try applyEnvelope(from: from, to: to)
        try applyCallbacks()
        try setString(CURLOPT_URL, settings.url)
    }

    /// nil when curl reports success, otherwise what went wrong, most specific first:
    /// curl's own classification for connect, timeout and TLS problems, then the refusal
    /// seen in the trace (which knows the step and the text), then a refusing
    /// CURLINFO_RESPONSE_CODE on its own, then curl's generic text.
    func error(for code: CURLcode) -> MailError? {
        switch code {
        case CURLE_OK:
            return nil
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .invalidURL
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            return .couldNotConnect(host: CurlRuntime.host(of: settings.url))
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_USE_SSL_FAILED:
            return .tlsUnavailable
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            return .tlsFailed(message: Self.curlText(code))
        case CURLE_LOGIN_DENIED:
            // Without a refusal in the trace (no mechanism in common), there is no code to report.
            let refusal = trace.refusal
            return .authenticationFailed(code: refusal?.code ?? failureCode(), reply: safe(refusal?.text ?? ""))
        default:
            if let refusal = refusalError() { return refusal }
            if let reply = failureCode() { return .serverRejected(code: reply, reply: "") }
            return .transport(code: Int(code.rawValue), message: Self.curlText(code))
        }
    }

    private func refusalError() -> MailError? {
        guard let refusal = trace.refusal else { return nil }
        let reply = safe(refusal.text)
        switch refusal.step {
        case .authentication: return .authenticationFailed(code: refusal.code, reply: reply)
        case .sender: return .senderRejected(code: refusal.code, reply: reply)
        case .recipient(let address): return .recipientRejected(recipient: address, code: refusal.code, reply: reply)
        case .data: return .messageRejected(code: refusal.code, reply: reply)
        default: return .serverRejected(code: refusal.code, reply: reply)
        }
    }

    /// curl's own record of the last reply code (CURLINFO_RESPONSE_CODE), when it is a
    /// refusal. It keeps the refusing code even though a `QUIT` and its 221 follow.
    private func failureCode() -> Int? {
        var code = 0
        guard as_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK, code >= 400 else { return nil }
        return code
    }

    /// Withholds a reply that repeats the password (a broken or hostile server could echo it).
    private func safe(_ reply: String) -> String {
        guard let password = settings.password, !password.isEmpty, reply.contains(password) else { return reply }
        return "(reply withheld)"
    }

    private static func curlText(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    // MARK: - Options

    /// Options that are the same for every send and that callers cannot opt out of.
    private func applyPolicy() throws(MailError) {
        try setLong(CURLOPT_NOSIGNAL, 1)  // signals are process-wide; we run on many threads
        try setString(CURLOPT_PROXY, "")  // "" overrides ALL_PROXY and friends from the environment
        try setString(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        // TRY upgrades with STARTTLS whenever the server offers it (a failed handshake or
        // certificate check still fails the send; curl never falls back to clear after
        // trying). ALL also fails with CURLE_USE_SSL_FAILED when STARTTLS is not offered.
        let useSSL = settings.requireTLS ? CURLUSESSL_ALL : CURLUSESSL_TRY
        try setLong(CURLOPT_USE_SSL, Int(useSSL.rawValue))
        // Close (and say QUIT) inside perform rather than when the handle is cleaned up.
        try setLong(CURLOPT_FORBID_REUSE, 1)
        if let caBundlePath = settings.caBundlePath { try setString(CURLOPT_CAINFO, caBundlePath) }
    }

    private func applyTimeouts(_ timeouts: HTTPTimeouts) throws(MailError) {
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, Transfer.milliseconds(timeouts.connect))
        let total = Transfer.milliseconds(timeouts.total)
        try setLong(CURLOPT_TIMEOUT_MS, total)
        // curl ignores TIMEOUT while saying QUIT on a closing connection and waits up to
        // this per reply instead (default 120 s), so bound it by the total too.
        if total > 0 { try setLong(CURLOPT_SERVER_RESPONSE_TIMEOUT, (total + 999) / 1000) }
    }

    private func applyCredentials() throws(MailError) {
        guard settings.hasCredentials, let username = settings.username, let password = settings.password else { return }
        try setString(CURLOPT_USERNAME, username)
        try setString(CURLOPT_PASSWORD, password)
    }

    /// Brackets are added here so curl sends the addresses verbatim; without them curl
    /// splits at `@` and may IDN-convert the host part.
    private func applyEnvelope(from: String, to: [String]) throws(MailError) {
        try setString(CURLOPT_MAIL_FROM, "<\(from)>")
        for address in to {
            guard let list = curl_slist_append(recipientList, "<\(address)>") else {
                throw .transport(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: Self.curlText(CURLE_OUT_OF_MEMORY))
            }
            recipientList = list
        }
        try check(as_curl_setopt_slist(easy, CURLOPT_MAIL_RCPT, recipientList))
        // The size lets a server that advertises SIZE refuse an oversized message at MAIL FROM.
        try setLong(CURLOPT_UPLOAD, 1)
        try check(as_curl_setopt_off_t(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(payload.count)))
    }

    private func applyCallbacks() throws(MailError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(as_curl_setopt_readfn(easy, CURLOPT_READFUNCTION) { buffer, size, count, context in
            guard let context else { return Int(CURL_READFUNC_ABORT) }
            return Unmanaged<SMTPTransfer>.fromOpaque(context).takeUnretainedValue().fill(buffer, size * count)
        })
        try check(as_curl_setopt_pointer(easy, CURLOPT_READDATA, context))
        try check(as_curl_setopt_debugfn(easy, CURLOPT_DEBUGFUNCTION) { _, type, data, size, context in
            guard let context, let data else { return 0 }
            Unmanaged<SMTPTransfer>.fromOpaque(context).takeUnretainedValue().observe(type, data, size)
            return 0
        })
        try check(as_curl_setopt_pointer(easy, CURLOPT_DEBUGDATA, context))
        // The debug callback only runs in verbose mode; with a callback set, curl writes
        // nothing to stderr itself.
        try setLong(CURLOPT_VERBOSE, 1)
    }

    private func setLong(_ option: CURLoption, _ value: Int) throws(MailError) {
        try check(as_curl_setopt_long(easy, option, value))
    }

    private func setString(_ option: CURLoption, _ value: String) throws(MailError) {
        try check(as_curl_setopt_string(easy, option, value))
    }

    private func check(_ code: CURLcode) throws(MailError) {
        guard code == CURLE_OK else { throw .transport(code: Int(code.rawValue), message: Self.curlText(code)) }
    }

    // MARK: - Callbacks

    /// Copies the next part of the message; 0 tells curl the message is complete (it then
    /// sends the terminating "." line itself, after dot-stuffing the body).
    private func fill(_ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> Int {
        guard let buffer, capacity > 0 else { return 0 }
        let count = min(capacity, payload.count - uploaded)
        guard count > 0 else { return 0 }
        payload.withUnsafeBytes { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + uploaded, byteCount: count)
        }
        uploaded += count
        return count
    }

    /// Feeds command and reply lines to the trace; the message body (`DATA_OUT`) and TLS
    /// records are ignored.
    private func observe(_ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>, _ size: Int) {
        guard type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT else { return }
        let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if type == CURLINFO_HEADER_IN { trace.received(String(line)) } else { trace.sent(String(line)) }
        }
    }
}
