import FastCGI
import Foundation
import Testing
@testable import Sandbox

@Suite("Audience members: add and remove")
struct UsersTests {
    let h: SandboxHarness
    let token: String
    let audience: String
    init() throws {
        h = try SandboxHarness()
        token = try h.systemUserToken()
        audience = try h.createAudience(token)
    }

    static let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    static let phone = "1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e"

    private func add(_ payload: String, session: String? = nil) -> Response {
        var body = #"{"payload":\#(payload)"#
        if let session { body += #","session":\#(session)"# }
        return h.graphJSON("POST", "/\(audience)/users", token: token, body: body + "}")
    }

    private func remove(_ payload: String) -> Response {
        h.graphJSON("DELETE", "/\(audience)/users", token: token, body: #"{"payload":\#(payload)}"#)
    }

    @Test func multiKeyAdd() throws {
        let response = add(#"""
            {"schema":["EXTERN_ID","EMAIL","PHONE","FN"],
             "data":[["u-1","\#(Self.mary)","",""],["u-2","","\#(Self.phone)",""],["u-3","","",""],["","","","\#(SandboxHarness.hash(9))"]]}
            """#)
        #expect(response.status == 200, "\(response.text)")
        let body = try h.body(response)
        #expect(body["audience_id"] == .string(audience))
        #expect(body["num_received"] == .int(4))
        #expect(body["num_invalid_entries"] == .int(0))
        #expect(body["invalid_entry_samples"] == .object([]))
        #expect(body["session_id"]?.stringValue?.isEmpty == false)
        let state = try h.inspect(audience)
        #expect(state["member_count"] == .int(4))
        // Identity: EMAIL before PHONE before MADID before EXTERN_ID, else the row's identifiers joined.
        let memberValues = try #require(state["members"]?.arrayValue)
        let members = memberValues.compactMap(\.stringValue)
        #expect(members == ["FN=\(SandboxHarness.hash(9))", Self.phone, Self.mary, "u-3"].sorted())
        #expect(state["adds"] == .int(4))
    }

    @Test func singleSchemaFlatAndNestedAndFormEncoded() throws {
        #expect(add(#"{"schema":"EMAIL_SHA256","data":["\#(SandboxHarness.hash(1))","\#(SandboxHarness.hash(2))"]}"#).status == 200)
        #expect(add(#"{"schema":["EMAIL"],"data":[["\#(SandboxHarness.hash(3))"]]}"#).status == 200)
        #expect(add(#"{"schema":"EXTERN_ID","data":[["ext-1"]]}"#).status == 200)
        // payload as a form field holding JSON text.
        let form = h.graph("POST", "/\(audience)/users", token: token, [
            ("payload", #"{"schema":"EMAIL","data":["\#(SandboxHarness.hash(4))"]}"#),
        ])
        #expect(form.status == 200, "\(form.text)")
        #expect(try h.inspect(audience)["member_count"] == .int(5))
    }

    @Test func invalidHashesAreCountedAndSampled() throws {
        let response = add(#"""
            {"schema":["EMAIL","PHONE","MADID"],
             "data":[["mary@example.com","",""],["\#(Self.mary)","+1 555 987 6543",""],["","","6032D997-3ab0-4de0-aa16-8af0e5b482fb"],
                     ["\#(Self.mary.uppercased())","",""]]}
            """#)
        let body = try h.body(response)
        #expect(body["num_received"] == .int(4))
        #expect(body["num_invalid_entries"] == .int(3))
        let samples = try #require(body["invalid_entry_samples"])
        #expect(samples["0"]?.stringValue?.contains("EMAIL") == true)
        #expect(samples["1"]?.stringValue?.contains("PHONE") == true)
        #expect(samples["3"] != nil)
        #expect(samples["2"] == nil)
        // Row 0 and row 3 have no valid identifier: not added. MADID is not hashed.
        let state = try h.inspect(audience)
        #expect(state["member_count"] == .int(2))
        #expect(state["invalid_entries"] == .int(3))
        #expect(state["members"]?.arrayValue?.contains(.string("6032D997-3ab0-4de0-aa16-8af0e5b482fb")) == true)
    }

    @Test func samplesStopAt100() throws {
        let rows = (0..<150).map { #"["bad-\#($0)"]"# }.joined(separator: ",")
        let body = try h.body(add(#"{"schema":["EMAIL"],"data":[\#(rows)]}"#))
        #expect(body["num_invalid_entries"] == .int(150))
        guard case .object(let samples)? = body["invalid_entry_samples"] else { Issue.record("no samples"); return }
        #expect(samples.count == 100)
    }

    @Test func payloadErrors() throws {
        let mismatch = try h.graphError(add(#"{"schema":["EMAIL","PHONE"],"data":[["\#(Self.mary)","\#(Self.phone)"],["\#(Self.mary)"]]}"#))
        #expect(mismatch.code == 100 && mismatch.message == "(#100) Data is missing or does not match schema")
        let flatMulti = try h.graphError(add(#"{"schema":["EMAIL","PHONE"],"data":["\#(Self.mary)"]}"#))
        #expect(flatMulti.message == "(#100) Data is missing or does not match schema")
        let badKey = try h.graphError(add(#"{"schema":["EMAIL","SHOE_SIZE"],"data":[["\#(Self.mary)","42"]]}"#))
        #expect(badKey.code == 100 && badKey.message == "(#100) Invalid schema key: SHOE_SIZE")
        let noPayload = try h.graphError(h.graphJSON("POST", "/\(audience)/users", token: token, body: "{}"))
        #expect(noPayload.code == 100 && noPayload.message == "(#100) Missing parameter payload")
        #expect(try h.graphError(add(#"{"data":["x"]}"#)).message == "(#100) Missing parameter schema")
        #expect(try h.graphError(add(#"{"schema":"EMAIL"}"#)).message == "(#100) Missing parameter data")

        let rows = (0..<10_001).map { _ in "\"\(Self.mary)\"" }.joined(separator: ",")
        let tooMany = try h.graphError(add(#"{"schema":"EMAIL","data":[\#(rows)]}"#))
        #expect(tooMany.code == 100 && tooMany.message == "(#100) Too many users in the payload: at most 10000 per request")
        #expect(try h.inspect(audience)["member_count"] == .int(0))
    }

    @Test func exactly10000RowsAreAccepted() throws {
        let rows = (0..<10_000).map { "\"\(SandboxHarness.hash($0))\"" }.joined(separator: ",")
        let body = try h.body(add(#"{"schema":"EMAIL","data":[\#(rows)]}"#))
        #expect(body["num_received"] == .int(10_000))
        #expect(try h.inspect(audience)["member_count"] == .int(10_000))
    }

    @Test func addIsIdempotent() throws {
        let payload = #"{"schema":"EMAIL","data":["\#(Self.mary)","\#(Self.mary)"]}"#
        #expect(try h.body(add(payload))["num_received"] == .int(2))
        #expect(add(payload).status == 200)
        let state = try h.inspect(audience)
        #expect(state["member_count"] == .int(1))
        #expect(state["adds"] == .int(4))
    }

    @Test func removeThresholdAndRemoval() throws {
        let rows = (0..<5).map { "\"\(SandboxHarness.hash($0))\"" }.joined(separator: ",")
        #expect(add(#"{"schema":"EMAIL","data":[\#(rows)]}"#).status == 200)
        let tooSmall = remove(#"{"schema":"EMAIL","data":["\#(SandboxHarness.hash(0))"]}"#)
        #expect(tooSmall.status == 400)
        let error = try #require(try h.body(tooSmall)["error"])
        #expect(error["code"] == .int(200) && error["error_subcode"] == .int(1_870_047))
        #expect(error["error_user_title"] == .string("Audience Size too Low"))
        #expect(error["error_user_msg"] == .string("You cannot remove users from this audience because it will result in a low audience size and may result in under-delivery or non-delivery of your ads."))

        h.setConfig(#"{"remove_threshold":5}"#)
        let removed = remove(#"{"schema":"EMAIL","data":["\#(SandboxHarness.hash(0))","\#(SandboxHarness.hash(77))"]}"#)
        #expect(removed.status == 200, "\(removed.text)")
        #expect(try h.body(removed)["num_received"] == .int(2))
        var state = try h.inspect(audience)
        #expect(state["member_count"] == .int(4))
        #expect(state["removes"] == .int(2))
        // Now 4 < 5: refused again.
        #expect(try h.graphError(remove(#"{"schema":"EMAIL","data":["\#(SandboxHarness.hash(1))"]}"#)).subcode == 1_870_047)

        // POST with method=DELETE is a removal too.
        h.setConfig(#"{"remove_threshold":0}"#)
        let viaPost = h.graphJSON("POST", "/\(audience)/users", token: token,
                                  body: #"{"method":"DELETE","payload":{"schema":"EMAIL","data":["\#(SandboxHarness.hash(1))"]}}"#)
        #expect(viaPost.status == 200)
        state = try h.inspect(audience)
        #expect(state["member_count"] == .int(3))
    }

    /// `DELETE /act_<id>/usersofanyaudience` takes people out of every audience of that account, whatever its size,
    /// and leaves other accounts' audiences alone; it needs the account's terms and counts against its rate limit.
    @Test func removalFromEveryAudienceOfAnAccount() throws {
        let second = try h.createAudience(token, name: "Second")
        let elsewhere = try h.createAudience(token, account: "act_1002", name: "Elsewhere")
        let both = #"{"payload":{"schema":["EMAIL"],"data":[["\#(SandboxHarness.hash(1))"],["\#(SandboxHarness.hash(2))"]]}}"#
        for id in [audience, second, elsewhere] { #expect(h.graphJSON("POST", "/\(id)/users", token: token, body: both).status == 200) }

        let one = #"{"payload":{"schema":["EMAIL"],"data":[["\#(SandboxHarness.hash(1))"],["\#(SandboxHarness.hash(9))"]]}}"#
        let removed = h.graphJSON("DELETE", "/act_1001/usersofanyaudience", token: token, body: one)
        #expect(removed.status == 200, "\(removed.text)")
        #expect(try h.body(removed)["num_received"] == .int(2))
        #expect(removed.headers.contains { $0.0 == "X-Business-Use-Case-Usage" })
        for id in [audience, second] {
            #expect(try h.inspect(id)["members"] == .array([.string(SandboxHarness.hash(2))]) && h.inspect(id)["member_count"] == .int(1))
        }
        #expect(try h.inspect(elsewhere)["member_count"] == .int(2))

        #expect(h.graphJSON("POST", "/act_1001/usersofanyaudience", token: token, body: one).status == 400)
        _ = h.knob("POST", "/_sandbox/facebook/adaccounts/1001/tos", #"{"accepted":false}"#)
        #expect(try h.graphError(h.graphJSON("DELETE", "/act_1001/usersofanyaudience", token: token, body: one)).subcode == 1_870_034)
    }

    @Test func deletedAudience() throws {
        #expect(h.graph("DELETE", "/\(audience)", token: token).status == 200)
        let error = try h.graphError(add(#"{"schema":"EMAIL","data":["\#(Self.mary)"]}"#))
        #expect(error.code == 1_487_366 && error.type == "GraphMethodException" && error.message == "Custom Audience Has Been Deleted")
    }

    @Test func termsWithdrawnOnOwningAccount() throws {
        _ = h.knob("POST", "/_sandbox/facebook/adaccounts/1001/tos", #"{"accepted":false}"#)
        let error = try h.graphError(add(#"{"schema":"EMAIL","data":["\#(Self.mary)"]}"#))
        #expect(error.code == 200 && error.subcode == 1_870_034)
    }

    @Test func sessionsReportRunningTotals() throws {
        let first = try h.body(add(#"{"schema":"EMAIL","data":["\#(SandboxHarness.hash(1))","\#(SandboxHarness.hash(2))"]}"#,
                                   session: #"{"session_id":9876543210,"batch_seq":1,"last_batch_flag":false,"estimated_num_total":3}"#))
        #expect(first["session_id"] == .string("9876543210") && first["num_received"] == .int(2))
        let second = try h.body(add(#"{"schema":"EMAIL","data":["\#(SandboxHarness.hash(3))"]}"#,
                                    session: #"{"session_id":9876543210,"batch_seq":2,"last_batch_flag":true}"#))
        #expect(second["num_received"] == .int(3))
    }

    @Test func concurrentAddsFromManyThreads() throws {
        let responder = h.responder
        let t = token
        let id = audience
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            for batch in 0..<5 {
                let rows = (0..<50).map { "\"\(SandboxHarness.hash(worker * 1000 + batch * 50 + $0))\"" }.joined(separator: ",")
                let body = #"{"payload":{"schema":"EMAIL","data":[\#(rows)]}}"#
                let response = responder.respond(to: Request(
                    method: "POST", path: "/facebook/graph/v25.0/\(id)/users",
                    query: FormValues([("access_token", t), ("appsecret_proof", SandboxHarness.proof(t))]),
                    headers: ["Content-Type": "application/json"], body: Array(body.utf8)))
                #expect(response.status == 200)
            }
        }
        let state = try h.inspect(audience)
        #expect(state["member_count"] == .int(16 * 5 * 50))
        #expect(state["requests"] == .int(16 * 5))
    }
}
