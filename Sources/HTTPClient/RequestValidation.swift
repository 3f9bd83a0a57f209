import CCurl

/// Checks done before curl sees a request: things curl would accept but we must not send.
enum RequestValidation {
    /// Rejects non-http(s) URLs early (curl would otherwise guess a scheme for "host/path"),
    /// and methods or headers that could split the request line or inject header lines.
    static func check(_ request: HTTPRequest) throws(HTTPClientError) {
        guard hasHTTPScheme(request.url), !request.url.utf8.contains(0) else { throw .invalidURL }
        guard isToken(request.method) else { throw badArgument }
        for field in request.headers {
            guard isToken(field.name), isSafeValue(field.value) else { throw badArgument }
        }
    }

    private static var badArgument: HTTPClientError {
        CurlRuntime.transportError(CURLE_BAD_FUNCTION_ARGUMENT)
    }

    private static func hasHTTPScheme(_ url: String) -> Bool {
        let lower = url.prefix(8).lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// RFC 9110 `token`: the characters allowed in methods and header names.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func isSafeValue(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }
}
