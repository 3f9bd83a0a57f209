/// A partner failure, classified once where the partner's answer is read, so every caller reacts by class.
///
/// The classes decide retry and alerting (docs/architecture.md, "Errors"): throttled and transient errors are
/// retried with backoff; the others are terminal for the request and alert at once.
public enum PartnerError: Error, Equatable, Sendable {
    /// The partner asks us to slow down; retry after the given seconds when it said.
    case throttled(retryAfter: Double?, message: String)
    /// A network failure or a server-side error worth retrying.
    case transient(message: String)
    /// The token is invalid, expired or revoked: pause the connection and ask a person to reconnect.
    case authInvalid(message: String)
    /// The audience was deleted or is no longer reachable.
    case audienceGone(message: String)
    /// The ad account has not accepted the partner's custom-audience terms.
    case termsNotAccepted(message: String)
    /// The partner refuses removals because the audience is too small.
    case audienceTooSmallToRemove(message: String)
    /// Some rows were rejected; the indexes are those of the request's rows when the partner says.
    case invalidData(rows: [Int], message: String)
    /// The permission needed is missing or lost.
    case permissionDenied(message: String)
    /// Anything else that retrying will not fix.
    case permanent(message: String)

    /// The partner's message, safe to show a marketer: token-like strings the partner echoed are redacted
    /// (reliability.md A-13), since it reaches pages, the ledger, alert emails and logs.
    public var message: String {
        switch self {
        case .throttled(_, let m), .transient(let m), .authInvalid(let m), .audienceGone(let m), .termsNotAccepted(let m),
             .audienceTooSmallToRemove(let m), .invalidData(_, let m), .permissionDenied(let m), .permanent(let m):
            SecretRedaction.redact(m)
        }
    }

    /// Whether waiting and retrying the same request can succeed.
    public var isRetryable: Bool {
        switch self {
        case .throttled, .transient: true
        default: false
        }
    }

    /// A short stable name for logs, metrics and the ledger.
    public var className: String {
        switch self {
        case .throttled: "throttled"
        case .transient: "transient"
        case .authInvalid: "auth_invalid"
        case .audienceGone: "audience_gone"
        case .termsNotAccepted: "terms_not_accepted"
        case .audienceTooSmallToRemove: "audience_too_small_to_remove"
        case .invalidData: "invalid_data"
        case .permissionDenied: "permission_denied"
        case .permanent: "permanent"
        }
    }
}
