import Core
import Foundation
import Partners
import Testing

/// LinkedIn signals by HTTP status (partners.md §7.1, §7.4); the token endpoint by its `error`.
@Suite struct LinkedInErrorsTests {
    static let table: [(Int, LinkedInErrorContext, String)] = [
        (401, .other, "auth_invalid"), (401, .segment, "auth_invalid"), (429, .segment, "throttled"), (403, .adAccount, "permission_denied"),
        (404, .segment, "audience_gone"), (404, .adAccount, "permission_denied"), (400, .segment, "invalid_data"), (422, .adAccount, "permanent"),
        (500, .other, "transient"), (503, .segment, "transient"), (504, .segment, "transient"), (426, .other, "permanent"),
    ]

    @Test(arguments: table)
    func classifiesByStatus(status: Int, context: LinkedInErrorContext, expected: String) {
        let body = Array(#"{"status":\#(status),"code":"X","message":"m"}"#.utf8)
        #expect(LinkedInErrors.classify(status: status, body: body, headers: [], context: context).className == expected)
    }

    @Test func throttleWaitComesFromRetryAfter() {
        #expect(LinkedInErrors.classify(status: 429, body: [], headers: [("Retry-After", "7")], context: .segment)
            == .throttled(retryAfter: 7, message: "linkedin: HTTP 429"))
    }

    @Test func refusedGrantsNeedAPerson() {
        let grant = Array(#"{"error":"invalid_grant","error_description":"The provided refresh token is invalid or expired"}"#.utf8)
        #expect(LinkedInErrors.classifyOAuth(status: 400, body: grant, headers: []).className == "auth_invalid")
        let client = Array(#"{"error":"invalid_client","error_description":"Client authentication failed"}"#.utf8)
        #expect(LinkedInErrors.classifyOAuth(status: 401, body: client, headers: []).className == "permanent")
        #expect(LinkedInErrors.classifyOAuth(status: 502, body: Array("<html>".utf8), headers: []).className == "transient")
    }
}
