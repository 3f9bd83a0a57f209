import FastCGI
import Foundation

/// An error in Snap's envelope: `{"request_status":"ERROR","request_id","debug_message","display_message","error_code"}`.
/// Only `E3002` (permissions) is documented (partners.md §5.1); the other codes are the sandbox's choice [I].
struct SnapError: Error, Sendable {
    let status: Int
    let code: String
    let debug: String

    static let unauthorized = SnapError(status: 401, code: "E1002", debug: "Unauthorized: the access token is missing, invalid or expired")
    static let throttled = SnapError(status: 429, code: "E1008", debug: "Too many requests: the ad account's rate limit is exceeded")
    static let permission = SnapError(status: 403, code: "E3002", debug: "The user does not have permission to access this resource")
    static func notActive(_ account: String, status: String) -> SnapError {
        SnapError(status: 403, code: "E3002", debug: "The ad account \(account) is \(status): segments can change only in an ACTIVE ad account")
    }
    static func notFound(_ what: String) -> SnapError { SnapError(status: 404, code: "E3003", debug: "\(what) not found") }
    static func invalid(_ why: String) -> SnapError { SnapError(status: 400, code: "E1001", debug: "Invalid request: \(why)") }
    static let internalError = SnapError(status: 500, code: "E9999", debug: "Internal server error")

    var json: JSON {
        .object([
            ("request_status", .string("ERROR")), ("request_id", .string(SnapIDs.requestID())), ("debug_message", .string(debug)),
            ("display_message", .string("We're sorry, but something went wrong. Please try again later.")), ("error_code", .string(code)),
        ])
    }

    /// The numeric part of the code, for the request log.
    var number: Int? { Int(code.dropFirst()) }

    func response(recording notes: inout RequestNotes) -> Response {
        notes.errorCode = number
        var response = json.response(status: status)
        if status == 429 { response.headers.append(("Retry-After", "1")) }
        return response
    }
}

/// Snap-shaped ids.
enum SnapIDs {
    static func requestID() -> String { UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }
}
