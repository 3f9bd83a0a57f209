import Core
import FastCGI
import Foundation
import Storage
import TestSupport
import Testing

/// Each API key's rate limit (reliability.md A-8): a burst, then the steady rate; the excess answered 429 with
/// `Retry-After` and nothing of it stored; other keys unaffected.
@Suite struct APIRateLimitWebTests {
    let test: TestApp
    let keyA: String
    let keyB: String

    init() throws {
        test = try TestApp(environment: ["AUDIENCESYNC_API_RATE_PER_SECOND": "50", "AUDIENCESYNC_API_BURST": "50"])
        try test.createUser(workspace: "A", email: "admin@a.test")
        try test.createUser(workspace: "B", email: "admin@b.test")
        keyA = try APITests.createKey(test, as: "admin@a.test", name: "A")
        keyB = try APITests.createKey(test, as: "admin@b.test", name: "B")
    }

    func track(_ id: String, key: String) -> Response {
        test.app.respond(to: Request(method: "POST", path: "/api/v1/users/track",
                                     headers: ["content-type": "application/json", "authorization": "Bearer " + key],
                                     body: Array(#"{"attributes":[{"external_id":"\#(id)"}]}"#.utf8)))
    }

    @Test func aThousandRequestBurstGetsTheBurstAndTheRestAre429WithNothingStored() throws {
        let answers = (0..<1000).map { track("u\($0)", key: keyA) }
        let accepted = answers.indices.filter { answers[$0].status == 201 }
        let refused = answers.filter { $0.status == 429 }
        #expect(accepted == Array(0..<50))
        #expect(refused.count == 950)
        let first = try #require(refused.first)
        #expect(first.header("Retry-After") == "1")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any])
        let error = try #require((body["errors"] as? [[String: String]])?.first)
        #expect(error["field"] == "Authorization" && error["message"]?.contains("50 requests a second") == true)
        for k in [0, 49] { #expect(try test.store.profile(workspaceID: 1, externalID: "u\(k)") != nil) }
        for k in [50, 500, 999] { #expect(try test.store.profile(workspaceID: 1, externalID: "u\(k)") == nil) }

        // Another workspace's key has its own budget; A's comes back with time, at the steady rate.
        #expect((0..<60).filter { track("b\($0)", key: keyB).status == 201 }.count == 50)
        test.clock.advance(0.5)
        #expect((0..<60).filter { track("later\($0)", key: keyA).status == 201 }.count == 25)
    }

    @Test func everyAnswerCarriesBrazesRateLimitHeaders() throws {
        let now = Int(test.clock.now.timeIntervalSince1970)
        let first = track("h1", key: keyA)
        #expect(first.status == 201)
        #expect(first.header("X-RateLimit-Limit") == "50" && first.header("X-RateLimit-Remaining") == "49")
        // One token used at 50 a second: full again within the next second.
        let reset = try #require(Int(first.header("X-RateLimit-Reset") ?? ""))
        #expect(reset >= now && reset <= now + 2)
        for k in 0..<49 { _ = track("h\(k + 2)", key: keyA) }
        let refused = track("over", key: keyA)
        #expect(refused.status == 429 && refused.header("X-RateLimit-Remaining") == "0" && refused.header("Retry-After") == "1")
        #expect(Int(refused.header("X-RateLimit-Reset") ?? "").map { $0 >= now + 1 } == true)
        // A Braze client reads `message` from every error answer.
        let body = try #require(try JSONSerialization.jsonObject(with: Data(refused.body)) as? [String: Any])
        #expect((body["message"] as? String)?.contains("50 requests a second") == true)
        // Errors after the key is known carry them too; an unknown key gets none (it has no bucket).
        let badBody = test.app.respond(to: Request(method: "POST", path: "/api/v1/users/track",
                                                   headers: ["content-type": "application/json", "authorization": "Bearer " + keyB],
                                                   body: Array("{not json".utf8)))
        #expect(badBody.status == 400 && badBody.header("X-RateLimit-Remaining") == "49")
        #expect(track("x", key: "as_" + String(repeating: "z", count: 40)).header("X-RateLimit-Limit") == nil)
    }

    @Test func aRefusedKeyIsNotCharged() {
        // Unknown keys never reach the limiter: they cannot use up a real key's budget or grow its map.
        for _ in 0..<200 { #expect(track("x", key: "as_" + String(repeating: "z", count: 40)).status == 401) }
        #expect(track("u1", key: keyA).status == 201)
    }
}
