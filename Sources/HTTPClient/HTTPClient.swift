/// Outbound HTTP over libcurl.
///
/// Safe to share across threads: every call borrows a pooled curl multi handle
/// exclusively, so connections are reused across calls but no handle is ever used by
/// two threads at once. Environment proxies, redirects and non-HTTP(S) schemes are
/// always disabled.
public final class HTTPClient: Sendable {
    private let configuration: HTTPClientConfiguration
    private let pool = HandlePool()

    /// Creates a client; it owns its own connection pool.
    public init(configuration: HTTPClientConfiguration = .init()) {
        self.configuration = configuration
    }

    /// One request; blocking; safe to call from many threads at once.
    /// Takes the same path as `sendAll`, so both behave identically.
    public func send(_ request: HTTPRequest) throws(HTTPClientError) -> HTTPResponse {
        try sendAll([request])[0].get()
    }

    /// Many requests concurrently through one curl multi handle; blocking until all finish;
    /// results in input order. At most `maxConcurrentTransfers` run at once.
    public func sendAll(_ requests: [HTTPRequest]) -> [Result<HTTPResponse, HTTPClientError>] {
        guard !requests.isEmpty else { return [] }
        let configuration = configuration
        return pool.withSession { session in
            MultiRun.perform(requests, configuration: configuration, session: &session)
        }
    }
}
