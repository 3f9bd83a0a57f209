import FastCGI
import Foundation
import Testing
@testable import Sandbox

@Suite("Knobs, request log, reset, pages and routing")
struct KnobTests {
    let h: SandboxHarness
    init() throws { h = try SandboxHarness() }

    @Test func requestLogRecordsGraphAndOAuthCalls() throws {
        let token = try h.systemUserToken()
        let before = try h.body(h.get("/_sandbox/requests", [("partner", "facebook")]))
        let since = try #require(before["last_seq"]?.intValue)
        let audience = try h.createAudience(token, name: "Logged")
        _ = h.graph("GET", "/act_999/customaudiences", token: token)
        _ = h.get("/_sandbox/facebook/state")

        let log = try h.body(h.get("/_sandbox/requests", [("partner", "facebook"), ("since", String(since))]))
        let entries = try #require(log["requests"]?.arrayValue)
        #expect(entries.count == 2)
        let create = entries[0]
        #expect(create["method"] == .string("POST"))
        #expect(create["path"] == .string("/facebook/graph/v25.0/act_1001/customaudiences"))
        #expect(create["query"]?["access_token"] == .string(token))
        #expect(create["query"]?["appsecret_proof"]?.stringValue?.count == 64)
        #expect(create["body"]?.stringValue?.contains("name=Logged") == true)
        #expect(create["status"] == .int(200))
        #expect(create["error_code"] == .null)
        #expect(create["ad_account"] == .string("act_1001"))
        #expect(create["partner"] == .string("facebook"))
        #expect((create["seq"]?.intValue ?? 0) > since)
        #expect(create["time"]?.doubleValue == SandboxHarness.start.timeIntervalSince1970)
        let failed = entries[1]
        #expect(failed["status"] == .int(400) && failed["error_code"] == .int(100))
        #expect(audience.isEmpty == false)

        // The OAuth dialog and the token endpoint are logged too.
        _ = try h.shortUserToken()
        let later = try h.body(h.get("/_sandbox/requests", [("partner", "facebook"), ("since", String(try #require(log["last_seq"]?.intValue)))]))
        let paths = try #require(later["requests"]?.arrayValue).compactMap { $0["path"]?.stringValue }
        #expect(paths == ["/facebook/www/v25.0/dialog/oauth", "/facebook/graph/v25.0/oauth/access_token"])
    }

    @Test func logTruncatesBodiesAt64KiB() throws {
        let token = try h.systemUserToken()
        let audience = try h.createAudience(token)
        let rows = (0..<2000).map { "\"\(SandboxHarness.hash($0))\"" }.joined(separator: ",")
        #expect(h.graphJSON("POST", "/\(audience)/users", token: token, body: #"{"payload":{"schema":"EMAIL","data":[\#(rows)]}}"#).status == 200)
        let log = try h.body(h.get("/_sandbox/requests", [("partner", "facebook")]))
        let last = try #require(log["requests"]?.arrayValue?.last)
        #expect(last["body"]?.stringValue?.utf8.count == 64 * 1024)
    }

    @Test func resetRestoresTheSeed() throws {
        let token = try h.systemUserToken()
        let audience = try h.createAudience(token)
        _ = h.knob("POST", "/_sandbox/facebook/adaccounts", #"{"count":3}"#)
        _ = h.knob("POST", "/_sandbox/faults", #"{"partner":"facebook","share":1,"path_contains":"/nothing"}"#)
        h.setConfig(#"{"hourly_call_limit":5,"remove_threshold":1,"require_appsecret_proof":false}"#)
        h.advanceClock(1000)

        let reset = h.knob("POST", "/_sandbox/reset")
        #expect(reset.status == 200)

        let state = try h.body(h.get("/_sandbox/facebook/state"))
        #expect(state["ad_accounts"]?.arrayValue?.count == 4)
        #expect(state["audiences"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Newsletter subscribers", "Past purchasers"])
        #expect(state["tokens"] == .array([]))
        #expect(state["config"] == .object([("hourly_call_limit", .int(190_000)), ("remove_threshold", .int(1000)),
                                            ("require_appsecret_proof", .bool(true))]))
        #expect(try h.body(h.get("/_sandbox/clock"))["now"] == .int(Int(SandboxHarness.start.timeIntervalSince1970)))
        #expect(try h.body(h.get("/_sandbox/faults"))["faults"] == .array([]))
        #expect(try h.body(h.get("/_sandbox/requests"))["requests"] == .array([]))
        #expect(h.get("/_sandbox/facebook/audiences/\(audience)").status == 404)
        #expect(try h.graphError(h.graph("GET", "/me", token: token)).code == 190)
    }

    @Test func stateShowsTokensAccountsAudiencesConfig() throws {
        let token = try h.shortUserToken()
        let state = try h.body(h.get("/_sandbox/facebook/state"))
        let tokens = try #require(state["tokens"]?.arrayValue)
        #expect(tokens.count == 1)
        #expect(tokens[0]["value"] == .string(token) && tokens[0]["kind"] == .string("short") && tokens[0]["revoked"] == .bool(false))
        #expect(tokens[0]["user"] == .string("Demo User"))
        #expect(tokens[0]["expires_at"] == .int(Int(SandboxHarness.start.timeIntervalSince1970) + 5400))
        let accounts = try #require(state["ad_accounts"]?.arrayValue)
        #expect(accounts.map { $0["tos_accepted"] } == [.bool(true), .bool(true), .bool(false), .bool(true)])
        #expect(accounts.map { $0["account_status"] } == [.int(1), .int(1), .int(1), .int(2)])
        #expect(state["audiences"]?.arrayValue?.first?["account_id"] == .string("act_1001"))
    }

    @Test func clockKnob() throws {
        #expect(try h.body(h.get("/_sandbox/clock"))["now"] == .int(Int(SandboxHarness.start.timeIntervalSince1970)))
        let moved = try h.body(h.knob("POST", "/_sandbox/clock", #"{"advance_seconds":50400}"#))
        #expect(moved["now"] == .int(Int(SandboxHarness.start.timeIntervalSince1970) + 50_400))
        #expect(h.knob("POST", "/_sandbox/clock", #"{"advance_seconds":-5}"#).status == 400)
        #expect(h.knob("POST", "/_sandbox/clock", #"{}"#).status == 400)
    }

    @Test func badKnobInput() throws {
        let r1 = h.knob("POST", "/_sandbox/facebook/config", #"{"hourly_call_limit":-1}"#)
        #expect(r1.status == 400)
        #expect(try h.body(r1) == .object([("errors", .array([.object([
            ("field", .string("hourly_call_limit")), ("message", .string("must be an integer, zero or more")),
        ])]))]))
        #expect(h.knob("POST", "/_sandbox/facebook/config", #"{"limit":5}"#).status == 400)
        #expect(h.knob("POST", "/_sandbox/facebook/adaccounts", #"{"count":0}"#).status == 400)
        #expect(h.knob("POST", "/_sandbox/facebook/audiences/123/delete").status == 400)
        #expect(h.get("/_sandbox/requests", [("since", "abc")]).status == 400)
        #expect(h.get("/_sandbox/nope").status == 404)
    }

    @Test func homePage() {
        let home = h.get("/")
        #expect(home.status == 200)
        for text in ["Demo User", "AudienceSync System User", "act_1001", "Demo Retail — EU", "not accepted",
                     "/facebook/www/business/settings/system-users", "/_sandbox/reset", "/_sandbox/faults"] {
            #expect(home.text.contains(text), "home page lacks \(text)")
        }
        #expect(!home.text.contains("<script"))
    }

    @Test func unknownPaths() throws {
        let graph = h.get("/facebook/graph/v25.0/something/odd/here")
        #expect(graph.status == 404)
        let error = try h.graphError(graph)
        #expect(error.code == 2500 && error.message == "Unknown path components: /something/odd/here")
        #expect(h.get("/nowhere").status == 404)
        #expect(h.get("/facebook/www/nowhere").status == 404)
        #expect(h.get("/facebook/graph/v25.0/me").header("facebook-api-version") == "v25.0")
    }

    @Test func missingTemplateFailsInit() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-templates-\(UUID().uuidString)").path
        let path = SandboxHarness.temporaryDatabasePath()
        #expect(throws: SandboxError.self) {
            _ = try SandboxResponder(configuration: SandboxHarness.configuration(databasePath: path, templates: empty))
        }
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    @Test func reopeningKeepsDataAndDoesNotReseed() throws {
        let path = SandboxHarness.temporaryDatabasePath()
        let first = try SandboxHarness(databasePath: path)
        let token = try first.systemUserToken()
        let audience = try first.createAudience(token)
        let second = try SandboxHarness(databasePath: path)
        #expect(second.get("/_sandbox/facebook/audiences/\(audience)").status == 200)
        #expect(second.graph("GET", "/me", token: token).status == 200)
        let state = try second.body(second.get("/_sandbox/facebook/state"))
        #expect(state["audiences"]?.arrayValue?.count == 3)
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
}
