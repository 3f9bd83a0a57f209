import Core
import Foundation

/// What a failed Graph call was about, so "object does not exist" maps to the right class.
public enum FacebookErrorContext: Sendable {
    /// A custom audience or its users.
    case audience
    /// An ad account.
    case adAccount
    /// Tokens and anything else.
    case other
}

/// Graph's error envelope: `{"error":{"message","type","code","error_subcode",…}}`.
struct GraphErrorEnvelope: Decodable {
    struct Body: Decodable {
        let message: String?
        let type: String?
        let code: Int?
        let error_subcode: Int?
        let error_user_title: String?
        let error_user_msg: String?
    }
    let error: Body
}

/// Maps Graph errors to ``PartnerError`` by `error.code` and `error_subcode`, not by HTTP status (partners.md §1.1, §1.6, §1.7).
public enum FacebookErrors {
    /// Classifies a non-2xx Graph answer.
    public static func classify(status: Int, body: [UInt8], headers: [(name: String, value: String)],
                                context: FacebookErrorContext) -> PartnerError {
        guard let envelope = try? JSONDecoder().decode(GraphErrorEnvelope.self, from: Data(body)), let code = envelope.error.code else {
            return classifyBare(status: status, headers: headers)
        }
        let error = envelope.error
        let message = "facebook: " + describe(error)
        switch (code, error.error_subcode) {
        case (190, _), (102, _), (104, _):
            return .authInvalid(message: message)
        case (4, _), (17, _), (32, _), (613, _), (80000...80099, _):
            return .throttled(retryAfter: regainSeconds(headers), message: message)
        case (200, 1870034), (200, 1870090), (_, 1870034), (_, 1870090):
            return .termsNotAccepted(message: message)
        case (200, 1870047):
            return .audienceTooSmallToRemove(message: message)
        case (1487366, _), (1487301, _):
            return .audienceGone(message: message)
        case (100, 33):
            return context == .audience ? .audienceGone(message: message) : .permissionDenied(message: message)
        case (100, 1713230), (100, 1713231), (100, 1713228):
            return .permanent(message: message)
        case (100, _) where (error.message ?? "").localizedCaseInsensitiveContains("schema")
            || (error.message ?? "").localizedCaseInsensitiveContains("payload"):
            return .invalidData(rows: [], message: message)
        case (10, _), (200...299, _), (294, _), (2654, 1713092):
            return .permissionDenied(message: message)
        case (1, _), (2, _), (341, _), (368, _), (5000, _), (21009, _):
            return .transient(message: message)
        default:
            return status >= 500 ? .transient(message: message) : .permanent(message: message)
        }
    }

    /// An answer without Graph's envelope: gateways, overload pages, truncated bodies.
    static func classifyBare(status: Int, headers: [(name: String, value: String)]) -> PartnerError {
        switch status {
        case 429: .throttled(retryAfter: retryAfter(headers), message: "facebook: HTTP 429 Too Many Requests")
        case 401: .authInvalid(message: "facebook: HTTP 401")
        case 500...: .transient(message: "facebook: HTTP \(status)")
        default: .transient(message: "facebook: HTTP \(status) without an error body")
        }
    }

    /// The wait Facebook asks for: the usage headers' `estimated_time_to_regain_access` (minutes), else `Retry-After`.
    static func regainSeconds(_ headers: [(name: String, value: String)]) -> Double? {
        for name in ["x-business-use-case-usage", "x-ad-account-usage"] {
            guard let value = headers.first(where: { $0.name.lowercased() == name })?.value,
                  let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) else { continue }
            if let minutes = largestRegain(in: object), minutes > 0 { return Double(minutes) * 60 }
        }
        return retryAfter(headers)
    }

    private static func largestRegain(in object: Any) -> Int? {
        if let dictionary = object as? [String: Any] {
            let own = (dictionary["estimated_time_to_regain_access"] as? NSNumber)?.intValue
            let nested = dictionary.values.compactMap(largestRegain(in:)).max()
            return [own, nested].compactMap { $0 }.max()
        }
        if let array = object as? [Any] { return array.compactMap(largestRegain(in:)).max() }
        return nil
    }

    static func retryAfter(_ headers: [(name: String, value: String)]) -> Double? {
        headers.first { $0.name.lowercased() == "retry-after" }.flatMap { Double($0.value.trimmingCharacters(in: .whitespaces)) }
    }

    private static func describe(_ error: GraphErrorEnvelope.Body) -> String {
        var text = error.error_user_title.map { $0 + ": " } ?? ""
        text += error.error_user_msg ?? error.message ?? "unknown error"
        text += " (code \(error.code ?? 0)" + (error.error_subcode.map { ", subcode \($0)" } ?? "") + ")"
        return text
    }
}
