import Core
import Foundation

/// What a failed TikTok call was about, so codes that mean "not found" or "bad parameter" map to the right class.
public enum TikTokErrorContext: Sendable {
    /// The code exchange and token checks.
    case token
    /// Listing advertisers.
    case advertiser
    /// Listing, reading, creating or deleting audiences.
    case audience
    /// Adding or removing users (`segment/mapping/`).
    case mapping
}

/// Maps TikTok's envelope `code` to ``PartnerError`` (partners.md §2.1, §2.4, §2.6). TikTok answers errors with
/// HTTP 200, so the code, not the status, decides.
public enum TikTokErrors {
    /// `20001`: partial success. The call went through; TikTok gives no per-user detail (§2.4), so it is not an error.
    public static let partialSuccess = 20001

    /// Classifies a non-zero `code`.
    public static func classify(code: Int, message: String, context: TikTokErrorContext) -> PartnerError {
        let text = "tiktok: \(message.isEmpty ? "error" : message) (code \(code))"
        switch code {
        case 40016, 40100, 40133:
            // App-level per-endpoint limit and advertiser-level QPS: per-second limits, no Retry-After given.
            return .throttled(retryAfter: nil, message: text)
        case 40101, 40102, 40104, 40105, 40106, 40110, 40113:
            // Bad app/secret or auth code, expired/empty/invalid token, core user invalid, app blocked: a person must reconnect.
            return .authInvalid(message: text)
        case 40001, 40119, 40300, 40301:
            // No permission, developer and advertiser in different companies, advertiser missing or unmatched.
            return .permissionDenied(message: text)
        case 40007:
            return context == .audience || context == .mapping ? .audienceGone(message: text) : .permanent(message: text)
        case 40002:
            return parameterError(text, message: message, context: context)
        case 40000:
            return context == .mapping ? .invalidData(rows: [], message: text) : .permanent(message: text)
        case 40011:
            return .invalidData(rows: [], message: text)
        case 40202, 50000, 50002, 60001:
            // Write conflict, system or processing error, maintenance: retry (TikTok suggests ~5 minutes for 6xxxx).
            return .transient(message: text)
        case 50000..<70000:
            return .transient(message: text)
        default:
            return .permanent(message: text)
        }
    }

    /// `40002` covers several problems, told apart by the message: an unknown or deleted audience ("invalid
    /// audience ID"), an audience still processing (retry), or bad parameters (bad rows in a mapping).
    static func parameterError(_ text: String, message: String, context: TikTokErrorContext) -> PartnerError {
        let lower = message.lowercased()
        if lower.contains("audience id") || (lower.contains("audience_id") && lower.contains("invalid")) {
            return .audienceGone(message: text)
        }
        if lower.contains("processing") || lower.contains("being updated") {
            return .transient(message: text)
        }
        if context == .mapping { return .invalidData(rows: [], message: text) }
        return .permanent(message: text)
    }

    /// An answer that never reached the API logic (HTTP 4xx/5xx, §2 "Response envelope").
    static func classifyHTTP(status: Int, headers: [(name: String, value: String)], path: String) -> PartnerError {
        switch status {
        case 429:
            let wait = headers.first { $0.name.lowercased() == "retry-after" }.flatMap { Double($0.value.trimmingCharacters(in: .whitespaces)) }
            return .throttled(retryAfter: wait, message: "tiktok: HTTP 429 Too Many Requests")
        case 401: return .authInvalid(message: "tiktok: HTTP 401")
        case 500...: return .transient(message: "tiktok: HTTP \(status)")
        default: return .permanent(message: "tiktok: HTTP \(status) for \(path) (wrong path or method)")
        }
    }
}
