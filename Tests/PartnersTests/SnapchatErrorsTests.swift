import Core
import Foundation
import Partners
import Testing

/// Snap errors map to classes by HTTP status and `error_code` (partners.md §5.1, §5.3, §5.4): 401 → auth, `E3002`
/// → permission whatever the status, 429 → throttled with its Retry-After, a missing segment → gone, a refused
/// payload → invalid data, 5xx → transient. Messages never echo anything but Snap's own words.
@Suite struct SnapchatErrorsTests {
    static func body(_ code: String, _ message: String = "m") -> [UInt8] {
        Array(#"{"request_status":"ERROR","request_id":"r1","debug_message":"\#(message)","display_message":"d","error_code":"\#(code)"}"#.utf8)
    }

    static let table: [(Int, String, SnapchatErrorContext, String)] = [
        (401, "E1002", .other, "auth_invalid"), (401, "E1002", .segment, "auth_invalid"),
        (403, "E3002", .adAccount, "permission_denied"), (400, "E3002", .segment, "permission_denied"), (403, "E1000", .other, "permission_denied"),
        (429, "E1008", .segment, "throttled"),
        (404, "E3003", .segment, "audience_gone"), (410, "E3003", .segment, "audience_gone"), (404, "E3003", .adAccount, "permission_denied"),
        (404, "E3003", .other, "permanent"),
        (400, "E1001", .segment, "invalid_data"), (422, "E1001", .segment, "invalid_data"), (400, "E1001", .adAccount, "permanent"),
        (500, "E9999", .segment, "transient"), (502, "E9999", .other, "transient"), (503, "E9999", .adAccount, "transient"),
        (409, "E2000", .other, "permanent"),
    ]

    @Test(arguments: table)
    func classifiesByStatusAndCode(status: Int, code: String, context: SnapchatErrorContext, expected: String) {
        #expect(SnapchatErrors.classify(status: status, body: Self.body(code), headers: [], context: context).className == expected)
    }

    @Test func throttleCarriesRetryAfterWhenGiven() {
        #expect(SnapchatErrors.classify(status: 429, body: Self.body("E1008", "slow down"), headers: [("Retry-After", " 3 ")], context: .segment)
                == .throttled(retryAfter: 3, message: "snapchat: slow down (E1008)"))
        #expect(SnapchatErrors.classify(status: 429, body: [], headers: [], context: .segment) == .throttled(retryAfter: nil, message: "snapchat: HTTP 429"))
    }

    @Test func bodiesThatAreNotSnapsStillClassifyByStatus() {
        let html = Array("<html>Bad Gateway</html>".utf8)
        #expect(SnapchatErrors.classify(status: 502, body: html, headers: [], context: .other) == .transient(message: "snapchat: HTTP 502"))
        #expect(SnapchatErrors.classify(status: 401, body: [], headers: [], context: .segment) == .authInvalid(message: "snapchat: HTTP 401"))
    }
}
