import FastCGI
import Foundation

/// A LinkedIn REST error in its envelope `{"status","serviceErrorCode","code","message"}` (partners.md §7).
/// Codes and service codes not in partners.md are [I], shaped like LinkedIn's documented ones.
struct LinkedInError: Error, Sendable {
    let status: Int
    let code: String
    let serviceErrorCode: Int?
    let message: String
    var retryAfter: Int?

    init(_ status: Int, _ code: String, _ serviceErrorCode: Int? = nil, _ message: String, retryAfter: Int? = nil) {
        self.status = status; self.code = code; self.serviceErrorCode = serviceErrorCode; self.message = message
        self.retryAfter = retryAfter
    }

    var json: JSON {
        var members: [(String, JSON)] = [("status", .int(status))]
        if let serviceErrorCode { members.append(("serviceErrorCode", .int(serviceErrorCode))) }
        members += [("code", .string(code)), ("message", .string(message))]
        return .object(members)
    }

    /// The answer, noting the service code in the request log.
    func response(recording notes: inout RequestNotes) -> Response {
        notes.errorCode = serviceErrorCode ?? status
        var response = json.response(status: status)
        if let retryAfter { response.headers.append(("Retry-After", String(retryAfter))) }
        return response
    }

    static let tokenMissing = LinkedInError(401, "INVALID_ACCESS_TOKEN", 65600, "Invalid access token")
    static let tokenExpired = LinkedInError(401, "EXPIRED_ACCESS_TOKEN", 65601, "The token used in the request has expired")
    static let tokenRevoked = LinkedInError(401, "REVOKED_ACCESS_TOKEN", 65602, "The token used in the request has been revoked by the user")
    static let versionMissing = LinkedInError(400, "VERSION_MISSING", nil,
                                              "A version must be present. Please specify a version by adding the LinkedIn-Version header.")
    static func versionInactive(_ version: String) -> LinkedInError {
        LinkedInError(426, "NONEXISTENT_VERSION", nil, "Requested version \(version) is not active")
    }
    static let protocolMissing = LinkedInError(400, "ILLEGAL_ARGUMENT", 100, "X-Restli-Protocol-Version 2.0.0 is required by this resource")
    static func scopeMissing(_ scope: String, _ resource: String) -> LinkedInError {
        LinkedInError(403, "ACCESS_DENIED", 100, "Not enough permissions to access: \(resource). Required scope: \(scope)")
    }
    static func notFound(_ what: String) -> LinkedInError { LinkedInError(404, "NOT_FOUND", nil, "\(what) does not exist") }
    static func invalid(_ message: String) -> LinkedInError { LinkedInError(400, "ILLEGAL_ARGUMENT", 100, message) }
    static let throttled = LinkedInError(429, "TOO_MANY_REQUESTS", 101, "Resource level throttle limit for calls to this resource is reached.",
                                         retryAfter: 1)
    static let internalError = LinkedInError(500, "INTERNAL_SERVER_ERROR", nil, "Internal Server Error")
}

/// The OAuth endpoints' error `{"error","error_description"}` with status 400 or 401.
struct LinkedInOAuthError: Error, Sendable {
    let status: Int
    let error: String
    let description: String

    var response: Response {
        JSON.object([("error", .string(error)), ("error_description", .string(description))]).response(status: status)
    }

    static func invalidRequest(_ description: String) -> LinkedInOAuthError { .init(status: 400, error: "invalid_request", description: description) }
    static let invalidClient = LinkedInOAuthError(status: 401, error: "invalid_client", description: "Client authentication failed")
    static let badCode = LinkedInOAuthError(status: 400, error: "invalid_request",
                                            description: "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists")
    static let badRefresh = LinkedInOAuthError(status: 400, error: "invalid_grant", description: "The provided refresh token is invalid or expired")
}

/// Random ids in LinkedIn's shapes.
enum LinkedInIDs {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    static func random(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// Access tokens, refresh tokens and codes all start with `AQ` at LinkedIn.
    static func accessToken() -> String { "AQV" + random(150) }
    static func refreshToken() -> String { "AQX" + random(150) }
    static func code() -> String { "AQT" + random(120) }
}
