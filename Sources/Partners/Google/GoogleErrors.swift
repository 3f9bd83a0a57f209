import Core
import Foundation

/// What a failed Google call was about, so "not found" maps to the right class.
public enum GoogleErrorContext: Sendable {
    /// The token endpoint or tokeninfo: a refused grant means a person must sign in again.
    case token
    /// Customers (listing, GAQL on a customer).
    case account
    /// A user list (create, remove, size).
    case audience
    /// Data Manager ingest / remove.
    case upload
}

/// The `google.rpc.Status` envelope (partners.md §3.6, §3b.4), with the detail kinds that carry a reason: `ErrorInfo`,
/// `BadRequest.fieldViolations`, `GoogleAdsFailure.errors[].errorCode`, `RetryInfo`.
struct GoogleErrorEnvelope: Decodable {
    struct Body: Decodable {
        let code: Int?
        let message: String?
        let status: String?
        let details: [Detail]?
    }
    struct Detail: Decodable {
        struct Violation: Decodable { let field: String?; let reason: String?; let description: String? }
        struct AdsError: Decodable { let errorCode: [String: String]?; let message: String? }
        let reason: String?
        let fieldViolations: [Violation]?
        let errors: [AdsError]?
        let retryDelay: String?
    }
    let error: Body
}

/// The token endpoint's OAuth error: `{"error":"invalid_grant","error_description":"…"}`.
struct GoogleOAuthErrorBody: Decodable {
    let error: String
    let error_description: String?
}

/// Maps Google errors to ``PartnerError`` by the reasons in the body first, the HTTP status last.
public enum GoogleErrors {
    /// Data Manager reasons about the rows themselves (§3b.4 format reasons) and their Google Ads API counterparts (§3.6).
    static let rowReasons: Set<String> = [
        "INVALID_HEX_ENCODING", "INVALID_SHA256_FORMAT", "INVALID_FORMAT", "INVALID_BASE64_ENCODING", "INVALID_POSTAL_CODE",
        "INVALID_REGION_CODE", "INVALID_MOBILE_ID_FORMAT", "INVALID_AUDIENCE_MEMBER", "TOO_MANY_USER_IDENTIFIERS",
        "MISSING_USER_IDENTIFIER", "INCOMPATIBLE_USER_IDENTIFIER", "INVALID_COUNTRY_CODE", "TOO_MANY_AUDIENCE_MEMBERS",
        "MULTIPLE_DATA_TYPES_NOT_ALLOWED",
    ]
    /// The list no longer exists (or never did in this account).
    static let goneReasons: Set<String> = ["INVALID_USER_LIST_ID", "RESOURCE_NOT_FOUND", "USER_LIST_NOT_FOUND"]
    /// The Customer Match terms are not accepted.
    static let termsReasons: Set<String> = ["TERMS_AND_CONDITIONS_NOT_SIGNED", "CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS"]
    /// Quota.
    static let quotaReasons: Set<String> = ["RESOURCE_EXHAUSTED", "RESOURCE_TEMPORARILY_EXHAUSTED", "RATE_LIMIT_EXCEEDED"]
    /// The installation's developer token, not the person's sign-in.
    static let developerTokenReasons: Set<String> = ["DEVELOPER_TOKEN_INVALID", "DEVELOPER_TOKEN_PARAMETER_MISSING", "DEVELOPER_TOKEN_NOT_APPROVED",
                                                      "DEVELOPER_TOKEN_PROHIBITED", "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE", "NOT_ALLOWLISTED"]

    /// Classifies a non-2xx answer.
    public static func classify(status: Int, body: [UInt8], headers: [(name: String, value: String)], context: GoogleErrorContext) -> PartnerError {
        if let oauth = try? JSONDecoder().decode(GoogleOAuthErrorBody.self, from: Data(body)) {
            let message = "google: \(oauth.error)" + (oauth.error_description.map { " (\($0))" } ?? "")
            return status >= 500 ? .transient(message: message) : .authInvalid(message: message)
        }
        guard let envelope = try? JSONDecoder().decode(GoogleErrorEnvelope.self, from: Data(body)) else {
            return classifyBare(status: status, headers: headers, context: context)
        }
        let error = envelope.error
        let details = error.details ?? []
        let violations = details.flatMap { $0.fieldViolations ?? [] }
        let reasons = Set(details.compactMap(\.reason) + violations.compactMap(\.reason)
                          + details.flatMap { $0.errors ?? [] }.flatMap { ($0.errorCode ?? [:]).values })
        let code = error.status ?? ""
        let message = "google: " + describe(error, reasons: reasons, violations: violations)
        if reasons.contains("CONCURRENT_MODIFICATION") { return .transient(message: message) }   // HTTP 400 but retryable (§3.6)
        if code == "RESOURCE_EXHAUSTED" || status == 429 || !reasons.isDisjoint(with: quotaReasons) {
            return .throttled(retryAfter: retryAfter(headers) ?? retryDelay(details), message: message)
        }
        if !reasons.isDisjoint(with: developerTokenReasons) { return .permanent(message: message) }
        if code == "UNAUTHENTICATED" || status == 401 { return .authInvalid(message: message) }
        if !reasons.isDisjoint(with: termsReasons) { return .termsNotAccepted(message: message) }
        if !reasons.isDisjoint(with: goneReasons) || (code == "NOT_FOUND" && [.audience, .upload].contains(context)) {
            return .audienceGone(message: message)
        }
        if code == "PERMISSION_DENIED" || status == 403 { return .permissionDenied(message: message) }
        // The list takes another key type (a contact list sent mobile ids): no row of the batch can ever fit, so it is
        // not bad data to isolate row by row.
        if !reasons.isDisjoint(with: ["INVALID_USER_LIST_TYPE", "INCOMPATIBLE_UPLOAD_KEY_TYPE"]) { return .permanent(message: message) }
        if !reasons.isDisjoint(with: rowReasons) || (code == "INVALID_ARGUMENT" && context == .upload) {
            return .invalidData(rows: rowIndexes(violations), message: message)
        }
        if ["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "ABORTED", "UNKNOWN"].contains(code) || status >= 500 {
            return .transient(message: message)
        }
        return .permanent(message: message)
    }

    /// An answer without Google's envelope: gateways, overload pages, truncated bodies.
    static func classifyBare(status: Int, headers: [(name: String, value: String)], context: GoogleErrorContext) -> PartnerError {
        switch status {
        case 429: .throttled(retryAfter: retryAfter(headers), message: "google: HTTP 429 Too Many Requests")
        case 401: .authInvalid(message: "google: HTTP 401")
        case 400 where context == .token: .authInvalid(message: "google: the token endpoint refused the grant (HTTP 400)")
        case 403: .permissionDenied(message: "google: HTTP 403")
        default: .transient(message: "google: HTTP \(status)" + (status >= 500 ? "" : " without an error body"))
        }
    }

    /// The member indexes named by field violations (`audience_members.audience_members[3]…` or `audience_members[3]…`).
    static func rowIndexes(_ violations: [GoogleErrorEnvelope.Detail.Violation]) -> [Int] {
        var indexes: [Int] = []
        for field in violations.compactMap(\.field) {
            guard let range = field.range(of: "audience_members[", options: .backwards) else { continue }
            let digits = field[range.upperBound...].prefix { $0.isNumber }
            if let index = Int(digits), !indexes.contains(index) { indexes.append(index) }
        }
        return indexes.sorted()
    }

    static func retryAfter(_ headers: [(name: String, value: String)]) -> Double? {
        headers.first { $0.name.lowercased() == "retry-after" }.flatMap { Double($0.value.trimmingCharacters(in: .whitespaces)) }
    }

    /// `RetryInfo.retryDelay` ("30s").
    static func retryDelay(_ details: [GoogleErrorEnvelope.Detail]) -> Double? {
        details.compactMap(\.retryDelay).first.flatMap { Double($0.hasSuffix("s") ? String($0.dropLast()) : $0) }
    }

    private static func describe(_ error: GoogleErrorEnvelope.Body, reasons: Set<String>, violations: [GoogleErrorEnvelope.Detail.Violation]) -> String {
        var text = error.message ?? "unknown error"
        if let violation = violations.first {
            text += ": " + [violation.field, violation.description].compactMap { $0 }.joined(separator: " ")
        }
        text += " (" + ([error.status].compactMap { $0 } + reasons.sorted()).joined(separator: ", ") + ")"
        return text
    }
}
