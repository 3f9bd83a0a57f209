/// Turns raw FastCGI parameters into a typed ``Request``.
///
/// This is the one place that knows CGI parameter names (`REQUEST_METHOD`, `HTTP_*`, …).
public enum ParamParser {
    /// Builds a request from the parameter dictionary nginx sent and the body read from stdin.
    public static func request(params: [String: String], body: [UInt8]) -> Request {
        let uri = params["REQUEST_URI"] ?? params["SCRIPT_NAME"] ?? "/"
        let pathPart = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        let queryText = params["QUERY_STRING"] ?? ""
        var headers: [String: String] = [:]
        for (name, value) in params where name.hasPrefix("HTTP_") {
            // HTTP_X_FORWARDED_FOR → x-forwarded-for. HTTP_PROXY is never trusted (httpoxy): nginx blanks it too.
            guard name != "HTTP_PROXY" else { continue }
            headers[name.dropFirst(5).replacingUnderscores().lowercased()] = value
        }
        if let type = params["CONTENT_TYPE"], !type.isEmpty { headers["content-type"] = type }
        if let length = params["CONTENT_LENGTH"], !length.isEmpty { headers["content-length"] = length }
        let decodedPath = URLEncoding.decodePath(pathPart)
        return Request(
            method: params["REQUEST_METHOD"] ?? "GET",
            path: decodedPath.isEmpty ? "/" : decodedPath,
            query: FormValues(urlEncoded: Substring(queryText)),
            headers: headers,
            cookies: Request.parseCookies(headers["cookie"] ?? ""),
            body: body,
            remoteAddress: params["REMOTE_ADDR"] ?? "",
            isHTTPS: (params["HTTPS"] ?? "").lowercased() == "on"
        )
    }

    /// The parameter dictionary of libfcgi's `NAME=VALUE` environment strings (split at the first `=`; an entry
    /// without one is dropped; a repeated name keeps its last value).
    public static func params(environment: [String]) -> [String: String] {
        var params: [String: String] = [:]
        for text in environment {
            guard let equals = text.firstIndex(of: "=") else { continue }
            params[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return params
    }

    /// The declared body length, or nil when absent or not a number.
    public static func contentLength(_ params: [String: String]) -> Int? {
        guard let text = params["CONTENT_LENGTH"], !text.isEmpty else { return 0 }
        return Int(text)
    }
}

extension Substring {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}

extension URLEncoding {
    /// Decodes `%XX` in a path; unlike form decoding, `+` stays a plus.
    public static func decodePath(_ text: String) -> String {
        guard text.contains("%") else { return text }
        return decode(Substring(text.replacingOccurrences(of: "+", with: "%2B")))
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
