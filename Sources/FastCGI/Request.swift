import Foundation

/// One HTTP request as the application sees it, parsed once from the FastCGI parameters.
///
/// Nothing downstream reads raw FastCGI parameter names: everything a handler may need is a typed field.
public struct Request: Sendable {
    /// Upper-case method, e.g. `GET`.
    public var method: String
    /// The decoded path without the query string, e.g. `/partners/facebook`.
    public var path: String
    /// The query string decoded into pairs.
    public var query: FormValues
    /// Request headers with lower-case names (`user-agent`, `sec-fetch-site`, …).
    public var headers: [String: String]
    /// Cookies by name; the first of duplicate names wins.
    public var cookies: [String: String]
    /// The raw body (empty when it was spooled to `bodyFile`).
    public var body: [UInt8]
    /// Where a large upload's body was written instead of `body` (routes the server spools); removed after the
    /// response unless the handler moved it.
    public var bodyFile: String?
    /// The client address as nginx saw it.
    public var remoteAddress: String
    /// Whether the client reached nginx over HTTPS.
    public var isHTTPS: Bool

    /// Creates a request; tests use this directly.
    public init(
        method: String, path: String, query: FormValues = FormValues(), headers: [String: String] = [:],
        cookies: [String: String] = [:], body: [UInt8] = [], remoteAddress: String = "127.0.0.1", isHTTPS: Bool = false
    ) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.cookies = cookies
        self.body = body
        self.remoteAddress = remoteAddress
        self.isHTTPS = isHTTPS
    }

    /// The media type of the body without parameters, lower-cased (`application/json`).
    ///
    /// Everything before the first `;`: a header of nothing but semicolons (`Content-Type: ;`, found by
    /// `make fuzz-parsers`) has no media type, and must not index an empty split — that trapped and took the whole
    /// `serve` process down with one unauthenticated request.
    public var contentType: String? {
        headers["content-type"].map { $0.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// The body decoded as a URL-encoded form (or a multipart form's fields before its file); empty otherwise.
    public var form: FormValues {
        if contentType == "multipart/form-data" { return multipart?.fields ?? FormValues() }
        guard contentType == "application/x-www-form-urlencoded" else { return FormValues() }
        return FormValues(urlEncoded: Substring(String(decoding: body, as: UTF8.self)))
    }

    /// A header value by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The bearer token of an `Authorization: Bearer …` header, if present.
    public var bearerToken: String? {
        guard let value = header("authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Parses a `Cookie:` header value into a dictionary (first occurrence of a name wins).
    public static func parseCookies(_ header: String) -> [String: String] {
        var cookies: [String: String] = [:]
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pair[0].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, cookies[name] == nil else { continue }
            var value = pair.count > 1 ? pair[1].trimmingCharacters(in: .whitespaces) : ""
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            cookies[name] = value
        }
        return cookies
    }
}
