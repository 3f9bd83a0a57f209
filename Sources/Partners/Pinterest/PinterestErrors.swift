import Core
import Foundation

/// What a failed Pinterest call was about, so a 404 or 400 maps to the right class.
public enum PinterestErrorContext: Sendable {
    /// A customer list or audience: not found means the audience is gone.
    case audience
    /// A record upload: a 400 means the records were refused.
    case records
    /// Anything else.
    case other
}

/// Pinterest's error body `{"code":<int>,"message":"…"}` (partners.md §4.1).
struct PinterestErrorBody: Decodable {
    let code: Int?
    let message: String?
}

/// Maps Pinterest errors to ``PartnerError`` (partners.md §4.1, §4.5): 401 → auth; 403 → permission; 404 code 2
/// ("AdAccount not found.") → permission; another 404 on a list or audience → gone; 429 → throttled (with
/// `Retry-After`, else `x-ratelimit-reset`); 400 on records → invalid data; 5xx → transient.
///
/// Pinterest documents no refusal of removals from a small list: a list under 100 matched users only shows
/// `TOO_SMALL` (it cannot be targeted), so no answer maps to ``PartnerError/audienceTooSmallToRemove(message:)``.
public enum PinterestErrors {
    /// `{"code":2,"message":"AdAccount not found."}`.
    static let accountNotFound = 2

    /// Classifies a non-2xx answer.
    public static func classify(status: Int, body: [UInt8], headers: [(name: String, value: String)],
                                context: PinterestErrorContext) -> PartnerError {
        let error = try? JSONDecoder().decode(PinterestErrorBody.self, from: Data(body))
        let message = "pinterest: " + (error?.message ?? "HTTP \(status)") + (error?.code.map { " (code \($0), HTTP \(status))" } ?? " (HTTP \(status))")
        switch status {
        case 401: return .authInvalid(message: message)
        case 403: return .permissionDenied(message: message)
        case 429:
            let wait = BearerREST.retryAfter(headers) ?? BearerREST.header("x-ratelimit-reset", in: headers).flatMap { Double($0) }
            return .throttled(retryAfter: wait, message: message)
        case 404, 410:
            if error?.code == accountNotFound { return .permissionDenied(message: message) }
            return context == .other ? .permanent(message: message) : .audienceGone(message: message)
        case 400, 422: return context == .records ? .invalidData(rows: [], message: message) : .permanent(message: message)
        case 408, 500...: return .transient(message: message)
        default: return .permanent(message: message)
        }
    }
}
