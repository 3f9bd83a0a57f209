/// Why a request produced no response.
///
/// Descriptions deliberately never include a URL's path or query: those often carry
/// tokens, and error descriptions end up in logs.
public enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL is malformed or uses a scheme other than http/https.
    case invalidURL
    /// The host could not be resolved, refused the connection or was unreachable.
    case couldNotConnect(host: String)
    /// The connect or total timeout expired.
    case timedOut
    /// The response body would have exceeded the configured cap; the transfer was aborted.
    case responseTooLarge(limit: Int)
    /// Any other curl failure; `code` is the `CURLcode`, `message` curl's generic text for it.
    case transport(code: Int, message: String)

    /// Short English text that is safe to log (no path, no query).
    public var description: String {
        switch self {
        case .invalidURL:
            "invalid or unsupported URL"
        case .couldNotConnect(let host):
            "could not connect to \(host)"
        case .timedOut:
            "request timed out"
        case .responseTooLarge(let limit):
            "response larger than \(limit) bytes"
        case .transport(let code, let message):
            "transport error \(code): \(message)"
        }
    }
}
