import Core
import Foundation
import Partners
import Testing

/// Graph errors map to classes by code and subcode (partners.md §1.1, §1.6, §1.7), whatever the HTTP status.
@Suite struct FacebookErrorsTests {
    static let table: [(Int, Int?, FacebookErrorContext, String)] = [
        (190, 463, .other, "auth_invalid"), (190, 460, .audience, "auth_invalid"), (102, nil, .other, "auth_invalid"),
        (80003, 2446079, .audience, "throttled"), (17, nil, .other, "throttled"), (4, nil, .other, "throttled"), (613, 1996, .other, "throttled"),
        (200, 1870034, .adAccount, "terms_not_accepted"), (200, 1870090, .audience, "terms_not_accepted"),
        (200, 1870047, .audience, "audience_too_small_to_remove"),
        (1487366, nil, .audience, "audience_gone"), (100, 33, .audience, "audience_gone"), (100, 33, .adAccount, "permission_denied"),
        (200, nil, .adAccount, "permission_denied"), (294, nil, .other, "permission_denied"),
        (1, nil, .other, "transient"), (2, nil, .other, "transient"),
        (2650, nil, .audience, "permanent"), (100, 1713230, .audience, "permanent"),
    ]

    @Test(arguments: table)
    func classifiesByCode(code: Int, subcode: Int?, context: FacebookErrorContext, expected: String) {
        let subcodeJSON = subcode.map { #","error_subcode":\#($0)"# } ?? ""
        let body = #"{"error":{"message":"m","type":"OAuthException","code":\#(code)\#(subcodeJSON),"fbtrace_id":"x"}}"#
        #expect(FacebookErrors.classify(status: 400, body: Array(body.utf8), headers: [], context: context).className == expected)
    }

    @Test func throttleWaitComesFromTheUsageHeaderThenRetryAfter() {
        let body = Array(#"{"error":{"message":"(#80003) too many","code":80003,"error_subcode":2446079}}"#.utf8)
        let usage = #"{"1001":[{"type":"custom_audience","call_count":100,"estimated_time_to_regain_access":7}]}"#
        #expect(FacebookErrors.classify(status: 400, body: body, headers: [("x-business-use-case-usage", usage)], context: .audience)
            == .throttled(retryAfter: 420, message: "facebook: (#80003) too many (code 80003, subcode 2446079)"))
        if case .throttled(let wait, _) = FacebookErrors.classify(status: 400, body: body, headers: [("retry-after", "30")], context: .audience) {
            #expect(wait == 30)
        } else {
            Issue.record("not throttled")
        }
    }

    @Test func answersWithoutAnEnvelopeAreClassifiedByStatus() {
        #expect(FacebookErrors.classify(status: 502, body: Array("<html>bad gateway".utf8), headers: [], context: .other).className == "transient")
        #expect(FacebookErrors.classify(status: 429, body: [], headers: [("retry-after", "5")], context: .other) == .throttled(retryAfter: 5, message: "facebook: HTTP 429 Too Many Requests"))
        #expect(FacebookErrors.classify(status: 200, body: Array("{trunc".utf8), headers: [], context: .other).className == "transient")
    }
}
