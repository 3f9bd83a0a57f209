import FastCGI
import Foundation

/// One `BadRequest.fieldViolations` entry: snake_case path, Data Manager `reason`, words.
struct GoogleFieldViolation: Sendable {
    let field: String
    let reason: String
    let description: String

    var json: JSON {
        .object([("field", .string(field)), ("description", .string(description)), ("reason", .string(reason))])
    }
}

/// A failed call in the `google.rpc.Status` JSON every Google API answers with (partners.md §3b.4, §3.6):
/// `{"error":{"code","message","status","details":[…]}}`.
struct GoogleStatusError: Error, Sendable {
    let code: Int
    let status: String
    let message: String
    var details: [JSON] = []
    /// `Retry-After`, for quota answers.
    var retryAfter: Int?

    var json: JSON {
        var members: [(String, JSON)] = [("code", .int(code)), ("message", .string(message)), ("status", .string(status))]
        if !details.isEmpty { members.append(("details", .array(details))) }
        return .object([("error", .object(members))])
    }

    func response(recording notes: inout RequestNotes) -> Response {
        notes.errorCode = code
        var response = json.response(status: code)
        if let retryAfter { response.headers.append(("Retry-After", String(retryAfter))) }
        return response
    }

    // MARK: Data Manager (ErrorInfo + BadRequest)

    /// An `ErrorInfo` detail of the Data Manager domain.
    static func errorInfo(_ reason: String, domain: String = "datamanager.googleapis.com", metadata: [(String, String)] = []) -> JSON {
        var members: [(String, JSON)] = [("@type", .string("type.googleapis.com/google.rpc.ErrorInfo")), ("reason", .string(reason)),
                                         ("domain", .string(domain))]
        if !metadata.isEmpty { members.append(("metadata", .object(metadata.map { ($0.0, JSON.string($0.1)) }))) }
        return .object(members)
    }

    /// 400 `INVALID_ARGUMENT` with field violations, as the quickstart shows for a non-hex email.
    static func invalid(_ violations: [GoogleFieldViolation]) -> GoogleStatusError {
        GoogleStatusError(code: 400, status: "INVALID_ARGUMENT", message: "There was a problem with the request.", details: [
            errorInfo("INVALID_ARGUMENT"),
            .object([("@type", .string("type.googleapis.com/google.rpc.BadRequest")),
                     ("fieldViolations", .array(violations.map(\.json)))]),
        ])
    }

    /// One violation.
    static func invalid(_ field: String, _ reason: String, _ description: String) -> GoogleStatusError {
        invalid([GoogleFieldViolation(field: field, reason: reason, description: description)])
    }

    /// A JSON body that is not what the proto allows: Google's front end words it like this.
    static func badJSON(_ detail: String) -> GoogleStatusError {
        GoogleStatusError(code: 400, status: "INVALID_ARGUMENT", message: "Invalid JSON payload received. \(detail)", details: [
            .object([("@type", .string("type.googleapis.com/google.rpc.BadRequest")),
                     ("fieldViolations", .array([.object([("description", .string("Invalid JSON payload received. \(detail)"))])]))]),
        ])
    }

    /// 401 for a missing, unknown, expired or revoked access token.
    static let unauthenticated = GoogleStatusError(
        code: 401, status: "UNAUTHENTICATED",
        message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        details: [errorInfo("ACCESS_TOKEN_EXPIRED", domain: "googleapis.com")])

    /// 403 for a token without the scope the API needs.
    static func scopeInsufficient(_ service: String) -> GoogleStatusError {
        GoogleStatusError(code: 403, status: "PERMISSION_DENIED", message: "Request had insufficient authentication scopes.",
                          details: [errorInfo("ACCESS_TOKEN_SCOPE_INSUFFICIENT", domain: "googleapis.com",
                                              metadata: [("service", service)])])
    }

    /// 403: "does not have permission or the resource is not found" (partners.md §3b.4).
    static func permissionDenied(_ what: String) -> GoogleStatusError {
        GoogleStatusError(code: 403, status: "PERMISSION_DENIED", message: "The caller does not have permission to access \(what), or it does not exist.",
                          details: [errorInfo("PERMISSION_DENIED")])
    }

    /// 404 for a user list that does not exist (or was deleted).
    static func notFound(_ what: String) -> GoogleStatusError {
        GoogleStatusError(code: 404, status: "NOT_FOUND", message: "\(what) was not found.", details: [errorInfo("NOT_FOUND")])
    }

    static let internalError = GoogleStatusError(code: 500, status: "INTERNAL", message: "Internal error encountered.")

    // MARK: Google Ads API (GoogleAdsFailure)

    /// The Google Ads API envelope: the failure's `errors[].errorCode` names the family (`authenticationError`, …).
    static func ads(code: Int, status: String, message: String, family: String, value: String) -> GoogleStatusError {
        GoogleStatusError(code: code, status: status, message: message, details: [
            .object([("@type", .string("type.googleapis.com/google.ads.googleads.v22.errors.GoogleAdsFailure")),
                     ("errors", .array([.object([("errorCode", .object([(family, .string(value))])), ("message", .string(message))])])),
                     ("requestId", .string(GoogleIDs.requestID()))]),
        ])
    }
}

/// Random values that look like Google's.
enum GoogleIDs {
    static func random(_ count: Int, alphabet: String = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") -> String {
        let letters = Array(alphabet)
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in letters[Int(generator.next(upperBound: UInt(letters.count)))] })
    }

    /// `4/0Ab…` authorization codes.
    static func code() -> String { "4/0A" + random(70) }
    /// `ya29.` access tokens.
    static func accessToken() -> String { "ya29.a0" + random(150) }
    /// `1//` refresh tokens.
    static func refreshToken() -> String { "1//0" + random(100) }
    /// Request ids (a UUID, as Data Manager answers).
    static func requestID() -> String { UUID().uuidString.lowercased() }
}
