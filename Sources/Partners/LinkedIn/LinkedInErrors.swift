import Core
import Foundation

/// What a failed LinkedIn call was about, so a 404 maps to the right class.
public enum LinkedInErrorContext: Sendable {
    /// A DMP segment or its users.
    case segment
    /// An ad account.
    case adAccount
    /// Tokens, the member, anything else.
    case other
}

/// LinkedIn's REST error envelope: `{"status":404,"serviceErrorCode":…,"code":"NOT_FOUND","message":"…"}`.
struct LinkedInErrorEnvelope: Decodable {
    let status: Int?
    let serviceErrorCode: Int?
    let code: String?
    let message: String?
}

/// The OAuth endpoints' envelope: `{"error":"invalid_grant","error_description":"…"}`.
struct LinkedInOAuthErrorEnvelope: Decodable {
    let error: String
    let error_description: String?
}

/// Maps LinkedIn answers to ``PartnerError`` (partners.md §7.1, §7.4): LinkedIn signals by HTTP status, so the
/// status decides and the envelope only words the message.
public enum LinkedInErrors {
    /// Classifies a non-2xx REST answer.
    public static func classify(status: Int, body: [UInt8], headers: [(name: String, value: String)],
                                context: LinkedInErrorContext) -> PartnerError {
        let envelope = try? JSONDecoder().decode(LinkedInErrorEnvelope.self, from: Data(body))
        let message = "linkedin: " + describe(status: status, envelope)
        switch status {
        case 401:
            // "Invalid token: HTTP 401" (§7.1); the engine refreshes once and repeats the call.
            return .authInvalid(message: message)
        case 429:
            return .throttled(retryAfter: retryAfter(headers), message: message)
        case 403:
            return .permissionDenied(message: message)
        case 404, 410:
            switch context {
            case .segment: return .audienceGone(message: message)
            case .adAccount: return .permissionDenied(message: message)
            case .other: return .permanent(message: message)
            }
        case 400, 422:
            return context == .segment ? .invalidData(rows: [], message: message) : .permanent(message: message)
        case 408, 409, 500...:
            return .transient(message: message)
        default:
            return .permanent(message: message)
        }
    }

    /// Classifies an answer of the token endpoint: a refused code or refresh token needs a person to sign in
    /// again (`invalid_grant`, `invalid_request`), a refused app is a configuration problem.
    public static func classifyOAuth(status: Int, body: [UInt8], headers: [(name: String, value: String)]) -> PartnerError {
        guard let envelope = try? JSONDecoder().decode(LinkedInOAuthErrorEnvelope.self, from: Data(body)) else {
            return classify(status: status, body: body, headers: headers, context: .other)
        }
        let message = "linkedin: \(envelope.error)" + (envelope.error_description.map { ": " + $0 } ?? "")
        switch envelope.error {
        case "invalid_grant", "invalid_request", "unauthorized_client", "access_denied", "invalid_token":
            return .authInvalid(message: message)
        case "invalid_client", "unsupported_grant_type", "invalid_scope":
            return .permanent(message: message)
        case "temporarily_unavailable", "server_error":
            return .transient(message: message)
        default:
            return status >= 500 ? .transient(message: message) : .authInvalid(message: message)
        }
    }

    /// `Retry-After` in seconds, when LinkedIn sends it.
    static func retryAfter(_ headers: [(name: String, value: String)]) -> Double? {
        headers.first { $0.name.lowercased() == "retry-after" }.flatMap { Double($0.value.trimmingCharacters(in: .whitespaces)) }
    }

    private static func describe(status: Int, _ envelope: LinkedInErrorEnvelope?) -> String {
        var text = envelope?.message ?? "HTTP \(status)"
        var details: [String] = ["HTTP \(status)"]
        if let code = envelope?.code { details.append(code) }
        if let service = envelope?.serviceErrorCode { details.append("serviceErrorCode \(service)") }
        if envelope?.message != nil { text += " (" + details.joined(separator: ", ") + ")" }
        return text
    }
}
