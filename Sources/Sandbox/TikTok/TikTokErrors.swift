import FastCGI
import Foundation

/// A TikTok API error: HTTP 200 and `{"code":<non-zero>,"message","request_id","data":{}}`, as the real API
/// answers almost everything (partners.md §2 "Response envelope", §2.6). Clients must branch on `code`.
struct TikTokAPIError: Error, Sendable {
    var code: Int
    var message: String

    /// The envelope with a fresh `request_id`.
    var json: JSON { TikTokEnvelope.json(code: code, message: message, data: .object([])) }

    /// The HTTP 200 answer, with the code noted for the request log.
    func response(recording notes: inout RequestNotes) -> Response {
        notes.errorCode = code
        return json.response()
    }
}

/// The codes and wording the emulator answers (partners.md §2.1, §2.4, §2.6).
extension TikTokAPIError {
    // MARK: Tokens and auth

    static let tokenEmpty = TikTokAPIError(
        code: 40104, message: "Access token is null, you should set it in http header with key Access-Token.")
    static let tokenInvalid = TikTokAPIError(code: 40105, message: "Access token is incorrect or has been revoked.")
    static let tokenExpired = TikTokAPIError(code: 40102, message: "Access token has expired.")
    static let authParams = TikTokAPIError(code: 40101, message: "Invalid auth params: app_id and secret do not match.")
    static let authCodeInvalid = TikTokAPIError(code: 40110, message: "Auth code is invalid, expired or has already been used.")

    // MARK: Permissions and objects

    static func noPermission(_ advertiserID: String) -> TikTokAPIError {
        TikTokAPIError(code: 40001, message: "No permission to operate advertiser \(advertiserID). Please check the authorization.")
    }

    static func notEnabled(_ advertiserID: String, status: String) -> TikTokAPIError {
        TikTokAPIError(code: 40001, message: "No permission to operate advertiser \(advertiserID): the advertiser status is \(status).")
    }

    static func advertiserMissing(_ advertiserID: String) -> TikTokAPIError {
        TikTokAPIError(code: 40300, message: "Advertiser \(advertiserID) does not exist.")
    }

    static let invalidAudience = TikTokAPIError(code: 40002, message: "Parameter error: invalid audience ID")

    static func audienceMissing(_ id: String) -> TikTokAPIError {
        TikTokAPIError(code: 40007, message: "Custom audience \(id) does not exist.")
    }

    // MARK: Parameters

    static func parameter(_ detail: String) -> TikTokAPIError {
        TikTokAPIError(code: 40002, message: "Parameter error: \(detail)")
    }

    static func required(_ field: String) -> TikTokAPIError { parameter("\(field): Missing data for required field.") }

    static let tooManyIDs = TikTokAPIError(code: 40011, message: "Too many IDs in one request: batch_data holds at most 10000 users.")

    static func audienceCap(_ cap: Int) -> TikTokAPIError {
        parameter("The number of custom audiences of this advertiser has reached the limit (\(cap)).")
    }

    // MARK: Limits and failures

    static let tooFrequent = TikTokAPIError(code: 40100, message: "Too many requests. Please retry in some time.")
    static let system = TikTokAPIError(code: 50000, message: "System error. Please try again later.")
}

/// TikTok's response envelope and ids.
enum TikTokEnvelope {
    /// `{"code","message","request_id","data"}`.
    static func json(code: Int, message: String, data: JSON) -> JSON {
        .object([("code", .int(code)), ("message", .string(message)), ("request_id", .string(requestID())), ("data", data)])
    }

    /// A success answer.
    static func ok(_ data: JSON) -> JSON { json(code: 0, message: "OK", data: data) }

    /// `202311221954120A1B2C3D4E5F6A7B8C9D`-like: a timestamp and random upper-hex, as TikTok's request ids look.
    static func requestID() -> String {
        let stamp = Int(Date().timeIntervalSince1970)
        return String(stamp) + random(18, from: Array("0123456789ABCDEF"))
    }

    /// `count` characters from `alphabet`, from the system's cryptographic generator.
    static func random(_ count: Int, from alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// A long-term access token: 40 lower-hex characters, the shape of TikTok's.
    static func accessToken() -> String { random(40, from: Array("0123456789abcdef")) }

    /// An auth_code: 40 lower-hex characters.
    static func authCode() -> String { random(40, from: Array("0123456789abcdef")) }
}
