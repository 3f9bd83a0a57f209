import FastCGI
import Foundation
import Testing
@testable import Sandbox

@Suite("Custom Audience rate limit per ad account")
struct RateLimitTests {
    let h: SandboxHarness
    init() throws { h = try SandboxHarness() }

    private func usage(_ response: Response, account: String) throws -> JSON {
        let header = try #require(response.header("X-Business-Use-Case-Usage"))
        let parsed = try #require(JSON.parse(header))
        return try #require(parsed[account]?.arrayValue?.first)
    }

    @Test func everyCountedCallCarriesTheUsageHeader() throws {
        let token = try h.systemUserToken()
        let response = h.graph("GET", "/act_1001/customaudiences", token: token)
        let usage = try usage(response, account: "1001")
        #expect(usage["type"] == .string("custom_audience"))
        #expect(usage["call_count"] == .int(0))
        #expect(usage["total_cputime"] != nil && usage["total_time"] != nil)
        #expect(usage["estimated_time_to_regain_access"] == .int(0))
        #expect(usage["ads_api_access_tier"] == .string("standard_access"))
        // Not counted: /me and the ad account node itself.
        #expect(h.graph("GET", "/me", token: token).header("X-Business-Use-Case-Usage") == nil)
    }

    @Test func overTheLimitIsRejectedRecordedAndRecovers() throws {
        let token = try h.systemUserToken()
        let audience = String(FacebookSchema.firstAudienceID)
        // act_1002 gets one audience, so its own budget is 40 calls.
        _ = try h.createAudience(token, account: "act_1002")
        // act_1001 has 2 active audiences: limit = 0 + 40 × 2 = 80 calls per rolling hour.
        h.setConfig(#"{"hourly_call_limit":0}"#)
        for i in 1...80 {
            let r = h.graph("GET", "/\(audience)", token: token, [("fields", "name")])
            #expect(r.status == 200)
            if i == 40 { #expect(try usage(r, account: "1001")["call_count"] == .int(50)) }
        }
        let rejected = h.graph("GET", "/\(audience)", token: token, [("fields", "name")])
        #expect(rejected.status == 400)
        let error = try h.graphError(rejected)
        #expect(error.code == 80003 && error.subcode == 2_446_079 && error.type == "OAuthException")
        #expect(error.message == "(#80003) There have been too many calls to this ad-account. Wait a bit and try again. For more info, please refer to /docs/graph-api/overview/rate-limiting#custom-audience.")
        let u = try usage(rejected, account: "1001")
        #expect(u["call_count"] == .int(100))
        #expect(u["estimated_time_to_regain_access"] == .int(60))

        // Another account has its own budget (40, one used by the create above).
        #expect(h.graph("GET", "/act_1002/customaudiences", token: token).status == 200)

        // Not performed: a rejected add changes nothing.
        let add = h.graphJSON("POST", "/\(audience)/users", token: token,
                              body: #"{"payload":{"schema":"EMAIL","data":["\#(SandboxHarness.hash(1))"]}}"#)
        #expect(try h.graphError(add).code == 80003)
        let state = try h.inspect(audience)
        #expect(state["member_count"] == .int(0))
        #expect(state["rate_limit_rejections"] == .int(2))
        #expect(state["requests"] == .int(82))

        h.advanceClock(1800)
        let halfway = h.graph("GET", "/\(audience)", token: token)
        #expect(try usage(halfway, account: "1001")["estimated_time_to_regain_access"] == .int(30))

        h.advanceClock(1800)
        let again = h.graph("GET", "/\(audience)", token: token, [("fields", "name")])
        #expect(again.status == 200)
        #expect(try usage(again, account: "1001")["estimated_time_to_regain_access"] == .int(0))
    }

    @Test func limitGrowsWithActiveAudiences() throws {
        let token = try h.systemUserToken()
        h.setConfig(#"{"hourly_call_limit":2}"#)
        // act_1002 has no audience: 2 calls.
        #expect(h.graph("GET", "/act_1002/customaudiences", token: token).status == 200)
        #expect(h.graph("GET", "/act_1002/customaudiences", token: token).status == 200)
        #expect(try h.graphError(h.graph("GET", "/act_1002/customaudiences", token: token)).code == 80003)
        // An audience created elsewhere does not help act_1002, but one in act_1002 raises its limit by 40 —
        // creating it is itself a counted call, so raise the base first.
        h.setConfig(#"{"hourly_call_limit":3}"#)
        _ = try h.createAudience(token, account: "act_1002")
        h.setConfig(#"{"hourly_call_limit":2}"#)
        for _ in 0..<39 { #expect(h.graph("GET", "/act_1002/customaudiences", token: token).status == 200) }
        #expect(try h.graphError(h.graph("GET", "/act_1002/customaudiences", token: token)).code == 80003)
    }
}
