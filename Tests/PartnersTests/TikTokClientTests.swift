import Core
import Foundation
import HTTPClient
import Partners
import TestSupport
import Testing

/// The TikTok client against the sandbox over real HTTP: what reaches TikTok, and how its answers are read.
@Suite struct TikTokClientTests {
    static let redirectURI = TestApp.baseURL + "/oauth/callback/tiktok"
    static let first = "7000000000001"

    let sandbox: SandboxStack
    let partner: SandboxClient
    let client: TikTokClient
    let http = HTTPClient()

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        // The installation's defaults, pointed at this sandbox: the paths under test are the shipped ones.
        let endpoints = try #require(PartnerDefaults.endpoints(sandbox: sandbox.url, setting: { _ in nil })[.tiktok])
        client = TikTokClient(endpoints: endpoints, http: http)
    }

    // MARK: Helpers

    /// Opens the consent page and presses a button the way the e2e browser does: the form's hidden inputs plus
    /// the button's name and value. Returns the redirect's Location.
    func consent(_ url: String, button: String = "allow") throws -> String {
        let page = try http.send(HTTPRequest(url: url))
        #expect(page.status == 200)
        #expect(page.text.contains("id=\"\(button)\""))
        let inputs = Self.matches(#"<input type="hidden" name="([a-z_]+)" value="([^"]*)">"#, in: page.text)
        let form = inputs.map { ($0[0], Self.unescape($0[1])) } + [("decision", button)]
        let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let answer = try http.send(HTTPRequest(method: "POST", url: sandbox.url + "/tiktok/portal/auth",
                                               headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8)))
        #expect(answer.status == 302)
        return try #require(answer.header("location"))
    }

    func token() throws -> String {
        let callback = try consent(client.authorizationURL(redirectURI: Self.redirectURI, state: "state-1"))
        let code = try #require(FormValuesLite.value("auth_code", in: callback))
        return try client.completeAuthorization(code: code, redirectURI: Self.redirectURI, now: Date()).value
    }

    /// TikTok's request log entries since `since`.
    func log(since: Int = 0) throws -> [[String: Any]] {
        let answer = try partner.call("GET", "/_sandbox/requests?partner=tiktok&since=\(since)") as? [String: Any]
        return answer?["requests"] as? [[String: Any]] ?? []
    }

    func lastSeq() throws -> Int { try log().compactMap { ($0["seq"] as? NSNumber)?.intValue }.max() ?? 0 }

    func bodyJSON(_ entry: [String: Any]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(((entry["body"] as? String) ?? "").utf8))) as? [String: Any] ?? [:]
    }

    func members(_ audience: String) throws -> [String] {
        let json = try partner.call("GET", "/_sandbox/tiktok/audiences/\(audience)") as? [String: Any]
        return (json?["members"] as? [[String: Any]] ?? []).map { "\($0["id_type"] ?? ""):\($0["id"] ?? "")" }
    }

    func expectClass(_ expected: PartnerError, _ body: () throws -> Void) {
        #expect(throws: expected) {
            do { try body() } catch let error as PartnerError { throw error.withoutMessage }
        }
    }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (1..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: text).map { String(text[$0]) } }
        }
    }

    static func unescape(_ html: String) -> String {
        html.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    // MARK: OAuth

    @Test func consentAndCodeExchangeGiveALongTermToken() throws {
        let url = client.authorizationURL(redirectURI: Self.redirectURI, state: "st/ate+1")
        #expect(url.hasPrefix(sandbox.url + "/tiktok/portal/auth?"))
        #expect(FormValuesLite.value("app_id", in: url) == "sandbox-tiktok-app")
        #expect(FormValuesLite.value("state", in: url) == "st/ate+1")
        #expect(FormValuesLite.value("redirect_uri", in: url) == Self.redirectURI)
        #expect(!url.contains("scope="))

        let callback = try consent(url)
        #expect(callback.hasPrefix(Self.redirectURI + "?"))
        #expect(FormValuesLite.value("state", in: callback) == "st/ate+1")
        let code = try #require(FormValuesLite.value("auth_code", in: callback))
        let since = try lastSeq()
        let token = try client.completeAuthorization(code: code, redirectURI: Self.redirectURI, now: Date())
        #expect(token.expiresAt == nil && token.refreshToken == nil && token.partnerUserName == "Demo User")

        let calls = try log(since: since)
        let exchange = try #require(calls.first)
        #expect(exchange["method"] as? String == "POST" && exchange["path"] as? String == "/tiktok/open_api/v1.3/oauth2/access_token/")
        #expect(bodyJSON(exchange) as NSDictionary == ["app_id": "sandbox-tiktok-app", "secret": "sandbox-tiktok-secret", "auth_code": code])
        let info = try #require(calls.last)
        #expect(info["path"] as? String == "/tiktok/open_api/v1.3/user/info/" && info["error_code"] is NSNull)
        #expect((info["query"] as? [String: Any])?.isEmpty == true)   // the token went in the Access-Token header

        // Single use: the same code again is refused as an auth problem.
        expectClass(.authInvalid(message: "")) { _ = try client.completeAuthorization(code: code, redirectURI: Self.redirectURI, now: Date()) }
        expectClass(.authInvalid(message: "")) { _ = try client.exchangeCode("0123456789abcdef0123456789abcdef01234567") }
        // No refresh tokens at TikTok.
        expectClass(.authInvalid(message: "")) { _ = try client.refresh(refreshToken: "x", now: Date()) }
    }

    @Test func denyAndUnregisteredRedirectsNeverGiveACode() throws {
        let denied = try consent(client.authorizationURL(redirectURI: Self.redirectURI, state: "s2"), button: "deny")
        #expect(FormValuesLite.value("error", in: denied) == "access_denied" && FormValuesLite.value("state", in: denied) == "s2")
        #expect(FormValuesLite.value("auth_code", in: denied) == nil)
        let wrong = try http.send(HTTPRequest(url: client.authorizationURL(redirectURI: "http://evil.example/cb", state: "s3")))
        #expect(wrong.status == 400 && wrong.header("location") == nil)
    }

    @Test func tokenHealthPastedTokensRevocationAndExpiry() throws {
        let token = try token()
        #expect(try client.inspect(token: token, now: Date()) == TokenHealth(isValid: true, expiresAt: nil, problem: nil))
        #expect(client.acceptsPastedToken)
        #expect(try client.validatePastedToken(token, now: Date()).partnerUserName == "Demo User")
        expectClass(.authInvalid(message: "")) { _ = try client.validatePastedToken("not-a-token", now: Date()) }

        try partner.call("POST", "/_sandbox/tiktok/tokens/expire", json: #"{"token":"\#(token)"}"#)
        let expired = try client.inspect(token: token, now: Date())
        #expect(!expired.isValid && expired.problem?.contains("40102") == true)
        expectClass(.authInvalid(message: "")) { _ = try client.adAccounts(token: token) }

        let other = try self.token()
        try partner.call("POST", "/_sandbox/tiktok/tokens/revoke", json: #"{"all":true}"#)
        #expect(try client.inspect(token: other, now: Date()).problem?.contains("40105") == true)
    }

    // MARK: Advertisers

    @Test func adAccountsAreTheAuthorizedAdvertisersWithTheirStatus() throws {
        let token = try token()
        let since = try lastSeq()
        let accounts = try client.adAccounts(token: token)
        #expect(accounts.map(\.externalID) == ["7000000000001", "7000000000002", "7000000000003"])
        #expect(accounts[0] == RemoteAdAccount(externalID: "7000000000001", name: "Demo Shop — US", currency: "USD",
                                               facts: [AccountFacts.tiktokStatus("STATUS_ENABLE")]))
        #expect(accounts[1].currency == "EUR" && accounts[1].isActive && !accounts[2].isActive)
        // TikTok's one fact is the advertiser status, in its words; it has no custom-audience terms.
        #expect(accounts[2].facts.map(\.value) == ["STATUS_DISABLE"] && accounts[2].facts.blocking?.label == "Advertiser status")
        #expect(accounts.allSatisfy { $0.termsAccepted == nil })

        let calls = try log(since: since)
        #expect(calls.map { $0["path"] as? String ?? "" } == ["/tiktok/open_api/v1.3/oauth2/advertiser/get/", "/tiktok/open_api/v1.3/advertiser/info/"])
        #expect(calls[0]["query"] as? NSDictionary == ["app_id": "sandbox-tiktok-app", "secret": "sandbox-tiktok-secret"])
        #expect(calls[1]["query"] as? NSDictionary == ["advertiser_ids": #"["7000000000001","7000000000002","7000000000003"]"#])
        // TikTok refuses audiences of the disabled advertiser (40001).
        expectClass(.permissionDenied(message: "")) { _ = try client.createAudience(account: "7000000000003", name: "x", marker: "m", token: token) }

        // Refused details still list the advertisers; a throttled listing is an error.
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"tiktok","path_contains":"/advertiser/info/","count":1,"status":200,"error":{"code":40001,"message":"No permission"}}"#)
        let unread = try client.adAccounts(token: token)
        #expect(unread.map(\.name) == ["Demo Shop — US", "Demo Shop — EU", "Demo Shop — Disabled"])
        #expect(unread.allSatisfy { $0.facts.isEmpty })   // no status read: none shown
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"tiktok","path_contains":"/advertiser/info/","count":1,"status":200,"error":{"code":40100,"message":"Too many"}}"#)
        expectClass(.throttled(retryAfter: nil, message: "")) { _ = try client.adAccounts(token: token) }
    }

    // MARK: Audiences

    @Test func creationIsIdempotentThroughTheKeyInTheName() throws {
        let token = try token()
        let since = try lastSeq()
        let key = "3f2a7c1e-0b9d-4c5e-8a61-2d4f6b8e0c13"
        let id = try IdempotentAudienceCreation.ensure(client, account: Self.first, name: "Loyal buyers", key: key, existing: [], token: token)
        let listed = try client.audiences(account: Self.first, token: token)
        let created = try #require(listed.first { $0.id == id })
        #expect(id.hasPrefix(Self.first + ":"))
        #expect(created.name == "Loyal buyers [AudienceSync \(key)]" && created.description == IdempotentAudienceCreation.marker(key))
        #expect(listed.filter { $0.description != nil }.count == 1)   // the seeded audiences carry no marker

        // After a crash the launch finds it instead of creating a second one.
        let again = try IdempotentAudienceCreation.ensure(client, account: Self.first, name: "Loyal buyers", key: key, existing: listed, token: token)
        #expect(again == id)
        let creates = try log(since: since).filter { ($0["path"] as? String)?.hasSuffix("/segment/audience/") == true }
        #expect(creates.count == 1)
        #expect(bodyJSON(creates[0]) as NSDictionary == ["advertiser_id": Self.first, "action": "create",
                                                         "custom_audience_name": "Loyal buyers [AudienceSync \(key)]"])
    }

    @Test func namesStayWithinTikToksLengthAndKeepTheKey() {
        let marker = IdempotentAudienceCreation.marker("3f2a7c1e-0b9d-4c5e-8a61-2d4f6b8e0c13")
        let name = TikTokAudienceNaming.name(String(repeating: "n", count: 200), marker: marker)
        #expect(name.count == 128 && TikTokAudienceNaming.marker(inName: name) == marker)
        #expect(TikTokAudienceNaming.marker(inName: "VIP [gold]") == nil)
        #expect(TikTokAudienceID.parse("7000000000001:1790000000000001")! == ("7000000000001", "1790000000000001"))
        #expect(TikTokAudienceID.parse("1790000000000001") == nil)
    }

    @Test func listingFollowsPagesAndTheCapIsTikToks() throws {
        let token = try token()
        try partner.call("POST", "/_sandbox/tiktok/config", json: #"{"qps_limit":1000}"#)
        for _ in 0..<101 { _ = try client.createSegmentAudience(advertiser: "7000000000002", name: "Same name", token: token) }
        let since = try lastSeq()
        let all = try client.audiences(account: "7000000000002", token: token)
        #expect(all.count == 101 && Set(all.map(\.id)).count == 101)
        let pages = try log(since: since).map { ($0["query"] as? [String: Any])?["page"] as? String }
        #expect(pages == ["1", "2"])

        try partner.call("POST", "/_sandbox/tiktok/config", json: #"{"audience_cap":101}"#)
        expectClass(.permanent(message: "")) { _ = try client.createAudience(account: "7000000000002", name: "x", marker: "m", token: token) }
    }

    // MARK: Upload

    @Test func uploadsForADisabledAdvertiserAreRefused() throws {
        let token = try token()
        let id = try client.createAudience(account: Self.first, name: "Before", marker: IdempotentAudienceCreation.marker("k9"), token: token)
        try partner.call("POST", "/_sandbox/accounts/health", json: #"{"partner":"tiktok","account":"\#(Self.first)","value":"STATUS_DISABLE"}"#)
        let email = "584c4423c421df49955759498a71495aba49b8780eb9387dff333b6f0982c777"
        expectClass(.permissionDenied(message: "")) { _ = try client.upload(audienceID: id, action: .add, schema: ["EMAIL_SHA256"], rows: [[email]], token: token) }
        #expect(try members(try #require(TikTokAudienceID.parse(id)).audience).isEmpty)
    }

    @Test func addAndRemoveLandInTheAudienceWithTikToksPayload() throws {
        let token = try token()
        let id = try client.createAudience(account: Self.first, name: "Sync", marker: IdempotentAudienceCreation.marker("k1"), token: token)
        let audience = try #require(TikTokAudienceID.parse(id)).audience
        let email = "584c4423c421df49955759498a71495aba49b8780eb9387dff333b6f0982c777"   // sha256("testing@testing.com"), §8
        let maid = "0315b4020af3eccab7706679580ac87a710d82970733b8719e70af9b57e7b9e6"    // sha256("4242"), §8
        let phone = IdentifierHashing.sha256Hex("+16505551212")
        let schema = ["EMAIL_SHA256", "PHONE_SHA256", "IDFA_SHA256"]
        let since = try lastSeq()
        let receipt = try client.upload(audienceID: id, action: .add, schema: schema, rows: [[email, "", maid], ["", phone, ""], ["", "", ""]], token: token)
        #expect(receipt == UploadReceipt(received: 2, invalid: 1))
        #expect(try members(audience) == ["EMAIL_SHA256:\(email)", "IDFA_SHA256:\(maid)", "PHONE_SHA256:\(phone)"])

        let add = try #require(try log(since: since).last)
        #expect(add["method"] as? String == "POST" && add["path"] as? String == "/tiktok/open_api/v1.3/segment/mapping/")
        let body = bodyJSON(add)
        #expect(body["advertiser_ids"] as? [String] == [Self.first] && body["action"] as? String == "add" && body["id_schema"] as? [String] == schema)
        let batch = try #require(body["batch_data"] as? [[[String: Any]]])
        #expect(batch.count == 2)
        #expect(batch[0][0] as NSDictionary == ["id": email, "audience_ids": [audience]] && batch[0][1].isEmpty)
        #expect(batch[1][0].isEmpty && batch[1][1] as NSDictionary == ["id": phone, "audience_ids": [audience]])
        #expect(try client.audienceSize(audienceID: id, token: token) == AudienceSize(lower: 3, upper: 3))

        let removeSince = try lastSeq()
        _ = try client.upload(audienceID: id, action: .remove, schema: schema, rows: [[email, "", maid]], token: token)
        #expect(bodyJSON(try #require(try log(since: removeSince).last))["action"] as? String == "delete")
        #expect(try members(audience) == ["PHONE_SHA256:\(phone)"])
    }

    @Test func refusesWhatCannotFitBeforeSending() throws {
        let before = try lastSeq()
        let hash = String(repeating: "a", count: 64)
        expectClass(.invalidData(rows: [0], message: "")) {
            _ = try client.upload(audienceID: "1:2", action: .add, schema: ["EMAIL_SHA256", "PHONE_SHA256"], rows: [[hash]], token: "t")
        }
        expectClass(.invalidData(rows: [], message: "")) {
            _ = try client.upload(audienceID: "1:2", action: .add, schema: ["EMAIL_SHA256"], rows: Array(repeating: [hash], count: 10_001), token: "t")
        }
        expectClass(.permanent(message: "")) { _ = try client.upload(audienceID: "2", action: .add, schema: ["EMAIL_SHA256"], rows: [[hash]], token: "t") }
        #expect(client.maxUsersPerRequest == 10_000)
        #expect(try lastSeq() == before)
    }

    @Test func tenThousandUsersGoInOneCall() throws {
        let token = try token()
        let since = try lastSeq()
        let rows = (0..<10_000).map { [String(format: "%064x", $0)] }
        let receipt = try client.upload(audienceID: "7000000000001:1790000000000002", action: .add, schema: ["EMAIL_SHA256"], rows: rows, token: token)
        #expect(receipt == UploadReceipt(received: 10_000, invalid: 0))
        #expect(try log(since: since).count == 1)
        #expect((try partner.call("GET", "/_sandbox/tiktok/audiences/1790000000000002") as? [String: Any])?["member_count"] as? Int == 10_000)
    }

    // MARK: Errors the sandbox really answers

    @Test func classifiesTheSandboxsAnswers() throws {
        let token = try token()
        let id = try client.createAudience(account: Self.first, name: "Gone soon", marker: "m", token: token)
        let row = [[String(repeating: "b", count: 64)]]
        try partner.call("POST", "/_sandbox/tiktok/audiences/\(TikTokAudienceID.parse(id)!.audience)/delete")
        expectClass(.audienceGone(message: "")) { _ = try client.upload(audienceID: id, action: .add, schema: ["EMAIL_SHA256"], rows: row, token: token) }
        expectClass(.audienceGone(message: "")) { _ = try client.audienceSize(audienceID: id, token: token) }
        expectClass(.permissionDenied(message: "")) { _ = try client.audiences(account: "7000000000009", token: token) }
        expectClass(.invalidData(rows: [], message: "")) {
            _ = try client.upload(audienceID: "7000000000001:1790000000000001", action: .add, schema: ["EMAIL_SHA256"], rows: [["not-a-hash"]], token: token)
        }
        try partner.call("POST", "/_sandbox/tiktok/config", json: #"{"qps_limit":1}"#)
        do {
            _ = try client.audiences(account: Self.first, token: token)
            _ = try client.audiences(account: Self.first, token: token)
            Issue.record("the second call within a second should have been throttled")
        } catch {
            guard case .throttled(_, let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("40100"))
        }
    }

    @Test func classifiesInjectedFailures() throws {
        let token = try token()
        let cases: [(String, PartnerError)] = [
            (#""status":200,"error":{"code":40133,"message":"Advertiser QPS limit"}"#, .throttled(retryAfter: nil, message: "")),
            (#""status":200,"error":{"code":40016,"message":"Requests too frequent"}"#, .throttled(retryAfter: nil, message: "")),
            (#""status":200,"error":{"code":40106,"message":"core user invalid"}"#, .authInvalid(message: "")),
            (#""status":200,"error":{"code":40001,"message":"No permission"}"#, .permissionDenied(message: "")),
            (#""status":200,"error":{"code":40002,"message":"The audience is being processing, retry later"}"#, .transient(message: "")),
            (#""status":200,"error":{"code":40202,"message":"write conflict"}"#, .transient(message: "")),
            (#""status":200,"error":{"code":60001,"message":"maintenance"}"#, .transient(message: "")),
            (#""status":200"#, .transient(message: "")),                           // 50000 system error
            (#""status":503,"raw_body":"<html>busy</html>""#, .transient(message: "")),
            (#""status":429,"raw_body":"slow down","retry_after":7"#, .throttled(retryAfter: 7, message: "")),
            (#""status":200,"raw_body":"{\"code\":0,\"data\":""#, .transient(message: "")),
        ]
        for (fault, expected) in cases {
            try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"tiktok","path_contains":"/custom_audience/list/","count":1,\#(fault)}"#)
            expectClass(expected) { _ = try client.audiences(account: Self.first, token: token) }
        }
        #expect(try client.audiences(account: Self.first, token: token).count == 2)
    }
}
