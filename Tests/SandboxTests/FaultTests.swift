import FastCGI
import Foundation
import Testing
@testable import Sandbox

@Suite("Fault injection")
struct FaultTests {
    let h: SandboxHarness
    let token: String
    let audience: String
    init() throws {
        h = try SandboxHarness()
        token = try h.systemUserToken()
        audience = try h.createAudience(token)
    }

    private func addOne(_ n: Int) -> Response {
        h.graphJSON("POST", "/\(audience)/users", token: token, body: #"{"payload":{"schema":"EMAIL","data":["\#(SandboxHarness.hash(n))"]}}"#)
    }

    @Test func halfShareOverTenRequestsInjectsExactlyFive() throws {
        let created = h.knob("POST", "/_sandbox/faults", #"{"partner":"facebook","path_contains":"/users","method":"POST","share":0.5,"status":500}"#)
        #expect(created.status == 200)
        #expect(try h.body(created)["id"]?.intValue != nil)
        var statuses: [Int] = []
        for n in 0..<10 { statuses.append(addOne(n).status) }
        #expect(statuses == [200, 500, 200, 500, 200, 500, 200, 500, 200, 500])
        // The pattern continues: request 10 passes, 11 is injected, with Graph's transient error by default.
        #expect(addOne(98).status == 200)
        let injected = addOne(99)
        #expect(injected.status == 500)
        let error = try h.graphError(injected)
        #expect(error.code == 2 && error.message == "An unexpected error has occurred. Please retry your request later.")
        // Non-matching requests are untouched and not counted.
        for _ in 0..<4 { #expect(h.graph("GET", "/\(audience)", token: token).status == 200) }
        // Injected calls were not performed.
        #expect(try h.inspect(audience)["member_count"] == .int(6))

        #expect(h.knob("DELETE", "/_sandbox/faults").status == 200)
        #expect(addOne(100).status == 200)
    }

    @Test func countCapsInjections() throws {
        _ = h.knob("POST", "/_sandbox/faults", #"{"partner":"facebook","path_contains":"/users","share":1,"count":2,"status":503}"#)
        #expect((0..<5).map { addOne($0).status } == [503, 503, 200, 200, 200])
    }

    @Test func customErrorRawBodyAndRetryAfter() throws {
        _ = h.knob("POST", "/_sandbox/faults", #"""
            {"partner":"facebook","path_contains":"/customaudiences","share":1,"count":1,"status":400,
             "error":{"code":17,"type":"OAuthException","message":"(#17) User request limit reached","error_subcode":2446079},
             "retry_after":30}
            """#)
        let custom = h.graph("GET", "/act_1001/customaudiences", token: token)
        #expect(custom.status == 400)
        #expect(custom.header("Retry-After") == "30")
        let error = try h.graphError(custom)
        #expect(error.code == 17 && error.subcode == 2_446_079)

        _ = h.knob("POST", "/_sandbox/faults", #"{"partner":"facebook","path_contains":"/users","share":1,"count":1,"status":502,"raw_body":"<html><body>502 Bad Gateway</body></html>"}"#)
        let raw = addOne(1)
        #expect(raw.status == 502)
        #expect(raw.text == "<html><body>502 Bad Gateway</body></html>")
        #expect(raw.header("Retry-After") == nil)
    }

    @Test func latencyOnlyFaultDelaysThenAnswers() throws {
        _ = h.knob("POST", "/_sandbox/faults", #"{"partner":"facebook","path_contains":"/me","share":1,"latency_ms":50}"#)
        let start = Date()
        #expect(h.graph("GET", "/me", token: token).status == 200)
        #expect(Date().timeIntervalSince(start) >= 0.05)
    }

    @Test func badFaultInput() throws {
        for body in [#"{"partner":"myspace"}"#, #"{"partner":"facebook","share":2}"#, #"{"partner":"facebook","status":99}"#,
                     #"{"partner":"facebook","error":"boom"}"#, "not json"] {
            let response = h.knob("POST", "/_sandbox/faults", body)
            #expect(response.status == 400)
            #expect(try h.body(response)["errors"]?.arrayValue?.first?["message"]?.stringValue?.isEmpty == false)
        }
    }
}
