/// Per-transfer time limits, in seconds.
///
/// A value that is zero, negative or not finite disables that limit, matching
/// curl's own convention for `0`.
public struct HTTPTimeouts: Sendable, Equatable {
    /// Longest time allowed to establish the connection (DNS, TCP and TLS).
    public var connect: Double
    /// Longest time allowed for the whole transfer, connect included.
    public var total: Double

    /// Creates limits from seconds.
    public init(connect: Double, total: Double) {
        self.connect = connect
        self.total = total
    }
}

/// One outbound HTTP request.
///
/// A plain value so it can be built anywhere and handed to any thread.
public struct HTTPRequest: Sendable {
    /// The HTTP method, sent verbatim ("GET", "POST", "DELETE", "PATCH", ...).
    public var method: String
    /// Absolute `http://` or `https://` URL; any other scheme is rejected as `.invalidURL`.
    public var url: String
    /// Extra request headers, sent in this order. A caller-supplied header replaces the
    /// one curl would add itself (e.g. `User-Agent`, `Content-Type`).
    public var headers: [(name: String, value: String)]
    /// Request body; `nil` sends none. An empty array on a POST sends `Content-Length: 0`.
    public var body: [UInt8]?
    /// Overrides the client's default timeouts for this request only.
    public var timeouts: HTTPTimeouts?

    /// Creates a request; defaults to a body-less GET.
    public init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeouts: HTTPTimeouts? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }
}
