import CCurl

/// Process-wide libcurl state and CURLcode translation.
enum CurlRuntime {
    /// `curl_global_init` is not thread-safe and must run once before any other curl call;
    /// a lazily initialised static gives us exactly-once semantics for free.
    private static let globalInitCode: UInt32 = as_curl_global_init().rawValue

    /// Runs global initialisation if needed; returns an error if it failed.
    static func ensureInitialized() -> HTTPClientError? {
        let code = CURLcode(rawValue: globalInitCode)
        return code == CURLE_OK ? nil : transportError(code)
    }

    /// curl's generic text for a code; never contains request details.
    static func transportError(_ code: CURLcode) -> HTTPClientError {
        .transport(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)))
    }

    /// Maps a finished transfer's code to the public error cases.
    static func error(for code: CURLcode, url: String, limit: Int, cappedByUs: Bool) -> HTTPClientError {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .invalidURL
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            return .couldNotConnect(host: host(of: url))
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge(limit: limit)
        case CURLE_WRITE_ERROR where cappedByUs:
            return .responseTooLarge(limit: limit)
        default:
            return transportError(code)
        }
    }

    /// The host part of a URL (no userinfo, path or query), for error messages.
    /// Uses curl's own parser so it agrees with what curl tried to connect to.
    static func host(of url: String) -> String {
        guard let handle = curl_url() else { return "" }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else { return "" }
        var part: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, CURLUPART_HOST, &part, 0) == CURLUE_OK, let part else { return "" }
        defer { curl_free(part) }
        return String(cString: part)
    }
}
