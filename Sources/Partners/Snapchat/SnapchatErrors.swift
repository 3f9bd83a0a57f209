import Core
import Foundation

/// What a failed Snap call was about, so a 404 maps to the right class.
public enum SnapchatErrorContext: Sendable {
    /// A segment or its users: not found means the audience is gone.
    case segment
    /// An ad account: not found means it is out of reach.
    case adAccount
    /// Anything else.
    case other
}

/// Snap's error body: `{"request_status":"ERROR","request_id","debug_message","display_message","error_code":"E…"}`.
struct SnapErrorBody: Decodable {
    let request_status: String?
    let request_id: String?
    let debug_message: String?
    let display_message: String?
    let error_code: String?
}

/// Maps Snap errors to ``PartnerError`` (partners.md §5.1, §5.4): 401 → auth, `E3002` and 403 → permission,
/// 429 → throttled, 5xx → transient, a missing segment → gone, a refused payload → invalid data.
public enum SnapchatErrors {
    /// Snap's permission error code (rudder aborts on it).
    static let permissionCode = "E3002"

    /// Classifies a non-2xx answer.
    public static func classify(status: Int, body: [UInt8], headers: [(name: String, value: String)],
                                context: SnapchatErrorContext) -> PartnerError {
        let error = try? JSONDecoder().decode(SnapErrorBody.self, from: Data(body))
        let message = "snapchat: " + describe(error, status: status)
        if error?.error_code == permissionCode { return .permissionDenied(message: message) }
        switch status {
        case 401: return .authInvalid(message: message)
        case 403: return .permissionDenied(message: message)
        case 429: return .throttled(retryAfter: BearerREST.retryAfter(headers), message: message)
        case 404, 410:
            switch context {
            case .segment: return .audienceGone(message: message)
            case .adAccount: return .permissionDenied(message: message)
            case .other: return .permanent(message: message)
            }
        case 400, 422: return context == .segment ? .invalidData(rows: [], message: message) : .permanent(message: message)
        case 500...: return .transient(message: message)
        default: return .permanent(message: message)
        }
    }

    private static func describe(_ error: SnapErrorBody?, status: Int) -> String {
        guard let error else { return "HTTP \(status)" }
        // Snap's debug message names the problem ("Segment … not found"); its display message is a generic apology.
        let text = error.debug_message ?? error.display_message ?? "HTTP \(status)"
        return text + (error.error_code.map { " (\($0))" } ?? " (HTTP \(status))")
    }
}
