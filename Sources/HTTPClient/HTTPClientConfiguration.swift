/// Defaults and limits shared by every request sent through one `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    /// Used when a request carries no `timeouts` of its own.
    public var timeouts: HTTPTimeouts
    /// Largest body accepted; enforced while receiving so an oversized reply is cut off
    /// early instead of being buffered first.
    public var maxResponseBytes: Int
    /// Sent as `User-Agent` unless the request sets that header itself.
    public var userAgent: String
    /// How many transfers `sendAll` keeps in flight at once; also the number of idle
    /// connections each pooled multi handle may keep open.
    public var maxConcurrentTransfers: Int

    /// Creates a configuration; the defaults suit typical API calls.
    public init(
        timeouts: HTTPTimeouts = .init(connect: 5, total: 30),
        maxResponseBytes: Int = 16 << 20,
        userAgent: String = "AudienceSync/1.0",
        maxConcurrentTransfers: Int = 32
    ) {
        self.timeouts = timeouts
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
        self.maxConcurrentTransfers = maxConcurrentTransfers
    }
}
