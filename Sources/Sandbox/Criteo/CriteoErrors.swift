import FastCGI
import Foundation

/// An error in Criteo's JSON:API-like envelope `{"errors":[{"traceId","type","code","instance","title","detail"}]}`
/// (partners.md §6.6). `authorization-token-invalid`/`-expired`, `audience-invalid` and `name-must-be-unique` are
/// documented [S]; the other codes are the sandbox's choice [I].
struct CriteoError: Error, Sendable {
    let status: Int
    let type: String
    let code: String
    let title: String
    let detail: String

    static let tokenInvalid = CriteoError(status: 401, type: "authorization", code: "authorization-token-invalid",
                                          title: "The access token is invalid", detail: "The token is unknown or was revoked.")
    static let tokenExpired = CriteoError(status: 401, type: "authorization", code: "authorization-token-expired",
                                          title: "The access token has expired", detail: "Generate another access token.")
    static func accessDenied(_ advertiser: String) -> CriteoError {
        CriteoError(status: 403, type: "authorization", code: "access-denied", title: "Access denied",
                    detail: "The consent does not cover advertiser \(advertiser).")
    }
    static func inactive(_ advertiser: String, status: String) -> CriteoError {
        CriteoError(status: 403, type: "authorization", code: "advertiser-inactive", title: "Advertiser inactive",
                    detail: "Advertiser \(advertiser) is \(status): its audience segments cannot change.")
    }
    static let throttled = CriteoError(status: 429, type: "quota", code: "too-many-requests", title: "Too many requests",
                                       detail: "The application's rate limit is exceeded.")
    static func audienceInvalid(_ id: String) -> CriteoError {
        CriteoError(status: 404, type: "validation", code: "audience-invalid", title: "Audience segment not found", detail: "No audience segment \(id).")
    }
    static func invalid(_ why: String) -> CriteoError {
        CriteoError(status: 400, type: "validation", code: "invalid-request", title: "Invalid request", detail: why)
    }
    static func nameNotUnique(_ name: String) -> CriteoError {
        CriteoError(status: 400, type: "validation", code: "name-must-be-unique", title: "Name must be unique",
                    detail: "An audience segment named \(name) already exists for this advertiser.")
    }
    static let capReached = CriteoError(status: 400, type: "validation", code: "audience-segment-limit-reached",
                                        title: "Too many audience segments", detail: "An advertiser has at most \(CriteoSchema.segmentCap) audience segments.")
    static func notFound(_ path: String) -> CriteoError {
        CriteoError(status: 404, type: "validation", code: "not-found", title: "Not found", detail: "No resource at \(path).")
    }
    static let internalError = CriteoError(status: 500, type: "unknown", code: "internal-error", title: "Internal error", detail: "Please retry.")

    /// The envelope with one error.
    var json: JSON { Self.envelope([("type", .string(type)), ("code", .string(code)), ("title", .string(title)), ("detail", .string(detail))]) }

    static func envelope(_ members: [(String, JSON)]) -> JSON {
        let trace = UUID().uuidString.lowercased()
        return .object([("errors", .array([.object([("traceId", .string(trace))] + members + [("instance", .string("/" + trace))])]))])
    }

    func response(recording notes: inout RequestNotes, rate: (limit: Int, reset: Int)? = nil) -> Response {
        notes.errorCode = status
        var response = json.response(status: status)
        if let rate {
            response.headers += [("x-ratelimit-limit", String(rate.limit)), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", String(rate.reset))]
        }
        return response
    }
}
