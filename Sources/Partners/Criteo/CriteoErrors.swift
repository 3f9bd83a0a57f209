import Core
import Foundation

/// What a failed Criteo call was about, so a 404 or 400 maps to the right class.
public enum CriteoErrorContext: Sendable {
    /// A segment: not found (`audience-invalid`) means the audience is gone.
    case segment
    /// A contact-list amendment: a 400 means the identifiers were refused.
    case contactList
    /// Anything else.
    case other
}

/// Criteo's error envelope `{"errors":[{"traceId","type","code","instance","title","detail"}]}` (partners.md §6.6).
struct CriteoErrorBody: Decodable {
    struct Item: Decodable {
        let traceId: String?
        let type: String?
        let code: String?
        let title: String?
        let detail: String?
    }
    let errors: [Item]?
}

/// Maps Criteo errors to ``PartnerError`` (partners.md §6.6): 401 `authorization-token-invalid`/`-expired` → auth
/// (the engine refreshes once and retries); 403 → permission; 404 `audience-invalid` → gone; 429 → throttled
/// (`Retry-After`, else `x-ratelimit-reset`); 500/503 → transient; 400 on an amendment → invalid data;
/// `name-must-be-unique` and other 400s → permanent.
///
/// partners.md lists no refusal of removals from a small segment (500 is only the minimum to serve), so nothing
/// maps to ``PartnerError/audienceTooSmallToRemove(message:)``.
public enum CriteoErrors {
    /// Classifies a non-2xx answer.
    public static func classify(status: Int, body: [UInt8], headers: [(name: String, value: String)],
                                context: CriteoErrorContext) -> PartnerError {
        let first = (try? JSONDecoder().decode(CriteoErrorBody.self, from: Data(body)))?.errors?.first
        let code = first?.code
        let message = "criteo: " + (first?.title ?? first?.detail ?? "HTTP \(status)") + " (" + (code ?? "HTTP \(status)") + ")"
        if code == "authorization-token-invalid" || code == "authorization-token-expired" { return .authInvalid(message: message) }
        if code == "audience-invalid" { return context == .other ? .permanent(message: message) : .audienceGone(message: message) }
        switch status {
        case 401: return .authInvalid(message: message)
        case 403: return .permissionDenied(message: message)
        case 429: return .throttled(retryAfter: retryAfter(headers), message: message)
        case 404, 410: return context == .other ? .permanent(message: message) : .audienceGone(message: message)
        case 400, 422: return context == .contactList ? .invalidData(rows: [], message: message) : .permanent(message: message)
        case 408, 500...: return .transient(message: message)
        default: return .permanent(message: message)
        }
    }

    /// `Retry-After`, else `x-ratelimit-reset` read as seconds, or as a Unix time when it is one [I: the header's
    /// unit is not documented].
    static func retryAfter(_ headers: [(name: String, value: String)], now: Date = Date()) -> Double? {
        if let seconds = BearerREST.retryAfter(headers) { return seconds }
        guard let reset = BearerREST.header("x-ratelimit-reset", in: headers).flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) else { return nil }
        return reset > 1_000_000_000 ? max(0, reset - now.timeIntervalSince1970) : reset
    }
}
