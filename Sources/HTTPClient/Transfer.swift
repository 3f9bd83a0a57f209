import CCurl

/// One request bound to one easy handle for the duration of one transfer: option setup,
/// the C callbacks' destination, and turning the outcome into a `Result`.
///
/// A class because curl reaches it from `@convention(c)` callbacks, which cannot capture,
/// through an unretained opaque pointer; `MultiRun` keeps the instance alive in its
/// `active` table until curl reports the transfer done. Never leaves the thread that
/// drives the multi handle.
final class Transfer {
    let index: Int
    let easy: UnsafeMutableRawPointer
    private let url: String
    private let limit: Int
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var body: [UInt8] = []
    private var headers: [(name: String, value: String)] = []
    private var exceededLimit = false

    init(index: Int, easy: UnsafeMutableRawPointer, url: String, limit: Int) {
        self.index = index
        self.easy = easy
        self.url = url
        self.limit = max(0, limit)
    }

    deinit {
        curl_slist_free_all(headerList)
    }

    /// Applies every option the transfer needs. Policy options (proxy, protocols,
    /// redirects) are set on every transfer because handles are reset between uses.
    func configure(_ request: HTTPRequest, _ configuration: HTTPClientConfiguration) throws(HTTPClientError) {
        try RequestValidation.check(request)
        try applyPolicy(userAgent: configuration.userAgent)
        try applyTimeouts(request.timeouts ?? configuration.timeouts)
        try applyCallbacks()
        let sendsBody = try applyMethod(request.method, body: request.body)
        try applyHeaders(request.headers, sendsBody: sendsBody)
        try setString(CURLOPT_URL, request.url)
    }

    /// The outcome once curl reports the transfer finished with `code`.
    func result(_ code: CURLcode) -> Result<HTTPResponse, HTTPClientError> {
        guard code == CURLE_OK else {
            return .failure(CurlRuntime.error(for: code, url: url, limit: limit, cappedByUs: exceededLimit))
        }
        var status = 0
        var micros: curl_off_t = 0
        _ = as_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        _ = as_curl_getinfo_off_t(easy, CURLINFO_TOTAL_TIME_T, &micros)
        return .success(HTTPResponse(status: status, headers: headers, body: body, totalTime: Double(micros) / 1_000_000))
    }

    // MARK: - Options

    /// Options that are the same for every request: they close off environment proxies,
    /// non-HTTP protocols and redirects, none of which callers may opt into.
    private func applyPolicy(userAgent: String) throws(HTTPClientError) {
        try setLong(CURLOPT_NOSIGNAL, 1)  // signals are process-wide; we run on many threads
        try setString(CURLOPT_PROXY, "")  // "" overrides http_proxy/HTTPS_PROXY/ALL_PROXY
        try setString(CURLOPT_PROTOCOLS_STR, "http,https")
        try setString(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try setLong(CURLOPT_FOLLOWLOCATION, 0)
        try setString(CURLOPT_ACCEPT_ENCODING, "")  // "" = every encoding curl can decode
        try setString(CURLOPT_USERAGENT, userAgent)
        if limit > 0 {
            // Rejects up front when Content-Length is known; the write callback covers the rest.
            try check(as_curl_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limit)))
        }
    }

    private func applyTimeouts(_ timeouts: HTTPTimeouts) throws(HTTPClientError) {
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(timeouts.connect))
        try setLong(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeouts.total))
    }

    /// Seconds to curl milliseconds; 0 (curl's "no limit") for non-positive or non-finite
    /// input, and at least 1 otherwise so a tiny timeout never turns into "no limit".
    static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int(min((seconds * 1000).rounded(.up), Double(Int32.max)))
    }

    private func applyCallbacks() throws(HTTPClientError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(as_curl_setopt_writefn(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context else { return 0 }
            return Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().receiveBody(data, size * count)
        })
        try check(as_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        try check(as_curl_setopt_writefn(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let context else { return 0 }
            return Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().receiveHeader(data, size * count)
        })
        try check(as_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
    }

    /// Chooses how curl sends the method; returns whether a body goes out.
    private func applyMethod(_ method: String, body: [UInt8]?) throws(HTTPClientError) -> Bool {
        if method == "HEAD" {
            try setLong(CURLOPT_NOBODY, 1)  // a custom "HEAD" would make curl wait for a body
            return false
        }
        if let body = body ?? (method == "POST" ? [] : nil) {
            try setBody(body)  // turns the transfer into a POST ...
            if method != "POST" { try setString(CURLOPT_CUSTOMREQUEST, method) }  // ... renamed
            return true
        }
        if method != "GET" { try setString(CURLOPT_CUSTOMREQUEST, method) }
        return false
    }

    /// POSTFIELDS does not copy, so the size goes first and COPYPOSTFIELDS makes curl own
    /// a copy; an empty body still passes a valid pointer, because NULL would make curl
    /// fall back to reading the body from stdin.
    private func setBody(_ body: [UInt8]) throws(HTTPClientError) {
        try check(as_curl_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
        let bytes: [UInt8] = body.isEmpty ? [0] : body
        let code = bytes.withUnsafeBytes { raw in
            as_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
        }
        try check(code)
    }

    /// Caller headers plus two suppressions: `Expect:` (no 100-continue round trip) and,
    /// for bodies without a declared type, curl's implicit form-urlencoded Content-Type.
    private func applyHeaders(_ fields: [(name: String, value: String)], sendsBody: Bool) throws(HTTPClientError) {
        var lines = fields.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        let names = Set(fields.map { $0.name.lowercased() })
        if !names.contains("expect") { lines.append("Expect:") }
        if sendsBody && !names.contains("content-type") { lines.append("Content-Type:") }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw CurlRuntime.transportError(CURLE_OUT_OF_MEMORY)
            }
            headerList = list
        }
        try check(as_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))
    }

    private func setLong(_ option: CURLoption, _ value: Int) throws(HTTPClientError) {
        try check(as_curl_setopt_long(easy, option, value))
    }

    private func setString(_ option: CURLoption, _ value: String) throws(HTTPClientError) {
        try check(as_curl_setopt_string(easy, option, value))
    }

    private func check(_ code: CURLcode) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            throw CurlRuntime.error(for: code, url: url, limit: limit, cappedByUs: false)
        }
    }

    // MARK: - Callbacks

    /// Appends body bytes, or returns 0 (which makes curl abort) once the cap would be
    /// exceeded, so an oversized body is never buffered in full.
    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data, count > 0 else { return count }
        guard count <= limit - body.count else {
            exceededLimit = true
            return 0
        }
        body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        return count
    }

    private func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data, count > 0 else { return count }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        HeaderParsing.record(line, into: &headers)
        return count
    }
}
