import FastCGI
import Foundation

/// An error in Pinterest's envelope `{"code":<int>,"message":"…"}` (partners.md §4.1, `Pinterest.Lib.Error`).
/// Only `{"code":2,"message":"AdAccount not found."}` and the status texts are documented; the other codes are
/// the sandbox's choice [I].
struct PinError: Error, Sendable {
    let status: Int
    let code: Int
    let message: String

    static let unauthorized = PinError(status: 401, code: 3, message: "Authentication failed: Authentication is required and has either failed or not been provided.")
    static let accountNotFound = PinError(status: 404, code: 2, message: "AdAccount not found.")
    static let forbidden = PinError(status: 403, code: 29, message: "You are not permitted to access that resource: insufficient permissions.")
    static func scope(_ scope: String) -> PinError { PinError(status: 403, code: 29, message: "Not authorized to access the resource: missing scope \(scope).") }
    static let throttled = PinError(status: 429, code: 8, message: "The user has sent too many requests in a given amount of time.")
    static func notFound(_ what: String) -> PinError { PinError(status: 404, code: 4, message: "\(what) not found.") }
    static func invalid(_ why: String) -> PinError { PinError(status: 400, code: 1, message: "Invalid parameters: \(why)") }
    static let internalError = PinError(status: 500, code: 7, message: "Internal error.")

    var json: JSON { .object([("code", .int(code)), ("message", .string(message))]) }

    func response(recording notes: inout RequestNotes, resetSeconds: Int? = nil) -> Response {
        notes.errorCode = code
        var response = json.response(status: status)
        if let resetSeconds { response.headers.append(("x-ratelimit-reset", String(resetSeconds))) }
        return response
    }
}
