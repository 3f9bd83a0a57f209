import FastCGI
import Foundation

/// A Graph API error, answered in Graph's exact envelope:
/// `{"error":{"message","type","code","error_subcode","error_user_title","error_user_msg","fbtrace_id"}}`.
/// Optional members appear only when set. Graph answers almost every error with HTTP 400, so clients must
/// branch on `code`/`error_subcode`, as the real API forces them to.
struct GraphError: Error, Sendable {
    var message: String
    var type: String = "OAuthException"
    var code: Int
    var subcode: Int?
    var userTitle: String?
    var userMessage: String?
    var status = 400

    /// The envelope with a fresh `fbtrace_id`.
    var json: JSON {
        var members: [(String, JSON)] = [("message", .string(message)), ("type", .string(type)), ("code", .int(code))]
        if let subcode { members.append(("error_subcode", .int(subcode))) }
        if let userTitle { members.append(("error_user_title", .string(userTitle))) }
        if let userMessage { members.append(("error_user_msg", .string(userMessage))) }
        members.append(("fbtrace_id", .string(FacebookIDs.traceID())))
        return .object([("error", .object(members))])
    }
}

extension GraphError {
    /// What an unexpected failure inside the emulator answers (Graph's generic code 1).
    static let unknown = GraphError(message: "An unknown error occurred", code: 1, status: 500)

    /// The error's response, with its code noted for the request log.
    func response(recording notes: inout RequestNotes) -> Response {
        notes.errorCode = code
        return json.response(status: status)
    }
}

/// The errors the emulator answers, with Graph's wording (partners.md §1.1, §1.3, §1.6, §1.7).
extension GraphError {
    // MARK: Tokens

    static let tokenRequired = GraphError(message: "An access token is required to request this resource.", code: 104)
    static let tokenUnparsable = GraphError(message: "Invalid OAuth access token - Cannot parse access token", code: 190)
    static let appTokenSignature = GraphError(message: "Invalid OAuth access token signature.", code: 190)
    static let tokenRevoked = GraphError(
        message: "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
        code: 190, subcode: 460)

    static func tokenExpired(expiredAt: Date, now: Date) -> GraphError {
        GraphError(
            message: "Error validating access token: Session has expired on \(FacebookDates.sessionStyle(expiredAt)). The current time is \(FacebookDates.sessionStyle(now)).",
            code: 190, subcode: 463)
    }

    static let proofMissing = GraphError(message: "API calls from the server require an appsecret_proof argument",
                                         type: "GraphMethodException", code: 100)
    static let proofInvalid = GraphError(message: "Invalid appsecret_proof provided in the API argument",
                                         type: "GraphMethodException", code: 100)
    static let currentUserNeeded = GraphError(
        message: "An active access token must be used to query information about the current user.", code: 2500)

    // MARK: OAuth code exchange

    static let invalidClientSecret = GraphError(message: "Error validating client secret.", code: 1)
    static let invalidAppID = GraphError(message: "Error validating application. Invalid application ID.", code: 101)
    static let missingClientID = GraphError(message: "Missing client_id parameter.", code: 101)
    static let missingCode = GraphError(message: "Missing authorization code", code: 100)
    static let codeFormat = GraphError(message: "Invalid verification code format.", code: 100)
    static let codeUsed = GraphError(message: "This authorization code has been used.", code: 100, subcode: 36009)
    static let codeExpired = GraphError(message: "This authorization code has expired.", code: 100, subcode: 36007)
    static let codeRedirectMismatch = GraphError(
        message: "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        code: 100, subcode: 36008)

    // MARK: Objects and parameters

    /// `100/33`: the object does not exist, cannot be seen with this token, or does not take this method.
    static func unsupported(_ method: String, objectID: String) -> GraphError {
        GraphError(
            message: "Unsupported \(method.lowercased()) request. Object with ID '\(objectID)' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            type: "GraphMethodException", code: 100, subcode: 33)
    }

    static func unknownPath(_ path: String) -> GraphError {
        GraphError(message: "Unknown path components: \(path)", code: 2500)
    }

    static func required(_ parameter: String) -> GraphError {
        GraphError(message: "(#100) The parameter \(parameter) is required", code: 100)
    }

    static func invalidParameter(_ text: String) -> GraphError {
        GraphError(message: "(#100) \(text)", code: 100)
    }

    static func nonexistingField(_ field: String, nodeType: String) -> GraphError {
        GraphError(message: "(#100) Tried accessing nonexisting field (\(field)) on node type (\(nodeType))", code: 100)
    }

    // MARK: Permissions

    static let adsManagementRequired = GraphError(
        message: "(#294) Managing advertisements requires the extended permission ads_management and an application that is allowlisted to access the Marketing API",
        code: 294)
    static let adsReadRequired = GraphError(message: "(#200) Requires ads_management or ads_read permission", code: 200)

    /// An ad account that is not active (disabled, unsettled, closed…) cannot change custom audiences [I].
    static func accountNotActive(status: Int) -> GraphError {
        GraphError(message: "(#200) The ad account is not active (account_status \(status)): custom audiences cannot be created or changed.",
                   code: 200)
    }

    /// `200/1870034`: the ad account has not accepted the Custom Audience terms.
    static func termsNotAccepted(termsURL: String) -> GraphError {
        GraphError(
            message: "Permissions error", code: 200, subcode: 1_870_034,
            userTitle: "Custom Audience Terms Not Accepted",
            userMessage: "You need to agree to the Custom Audience terms before you can create or edit an audience or an ad set. Go to \(termsURL) to accept them.")
    }

    /// `200/1870047`: removal refused while the audience is small.
    static let audienceTooSmall = GraphError(
        message: "You cannot remove users from this audience because it will result in a low audience size and may result in under-delivery or non-delivery of your ads.",
        code: 200, subcode: 1_870_047, userTitle: "Audience Size too Low",
        userMessage: "You cannot remove users from this audience because it will result in a low audience size and may result in under-delivery or non-delivery of your ads.")

    // MARK: Audiences

    static let audienceDeleted = GraphError(message: "Custom Audience Has Been Deleted", type: "GraphMethodException", code: 1_487_366)
    static let audienceCap = GraphError(
        message: "Failed to create custom audience: this ad account has reached the limit of 500 customer file custom audiences",
        code: 2654)

    /// `80003/2446079`: the ad account's custom-audience call budget is spent.
    static let rateLimited = GraphError(
        message: "(#80003) There have been too many calls to this ad-account. Wait a bit and try again. For more info, please refer to /docs/graph-api/overview/rate-limiting#custom-audience.",
        code: 80003, subcode: 2_446_079)

    /// The default body of an injected fault.
    static let unexpected = GraphError(message: "An unexpected error has occurred. Please retry your request later.", code: 2)
}

/// Random identifiers that look like Facebook's.
enum FacebookIDs {
    static let base62 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    private static let traceAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// `count` characters from `alphabet`, from the system's cryptographic generator.
    static func random(_ count: Int, from alphabet: [Character] = base62) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// An `fbtrace_id` such as `A3b8C6PpI-kdIOwPwV4PANi`.
    static func traceID() -> String { random(23, from: traceAlphabet) }

    /// An access token: `EAA` and 160 base62 characters, the shape of a real user token.
    static func accessToken() -> String { "EAA" + random(160) }

    /// An authorization code; real ones start with `AQ`.
    static func authorizationCode() -> String { "AQ" + random(180) }

    /// A numeric upload-session id.
    static func sessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(UInt64.random(in: 1_000_000_000_000_000...9_000_000_000_000_000_000, using: &generator))
    }
}

/// Date wording used in Graph messages.
enum FacebookDates {
    /// `Tuesday, 01-Aug-23 10:12:14 PDT`, the form of Graph's "Session has expired on …" message.
    static func sessionStyle(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "America/Los_Angeles")
        formatter.dateFormat = "EEEE, dd-MMM-yy HH:mm:ss zzz"
        return formatter.string(from: date)
    }
}
