import Core
import Foundation
import HTTPClient
import Partners
import TestSupport
import Testing

/// The Pinterest client against the sandbox over real HTTP: exact requests, OAuth with Basic client auth and
/// continuous refresh, accounts (read-only ones left out), customer lists + audiences, records, and errors.
@Suite struct PinterestClientTests {
    let sandbox: PartnerSandbox
    let client: PinterestClient
    static let us = "549755885001"
    static let seededList = "3100000001"
    static let seeded = "549755885001:3100000001"
    static let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    static let person = "b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd"
    static let maid = "30a5154b77ab8b2ddbe19f5e7af72f33cc2a4a41f22940d965102650a1c72863"

    init() throws {
        sandbox = try PartnerSandbox(.pinterest)
        client = PinterestClient(endpoints: sandbox.endpoints, http: HTTPClient())
    }

    @Test func authorizationURLCarriesPinterestsParameters() throws {
        let url = client.authorizationURL(redirectURI: sandbox.redirectURI, state: "xyz")
        #expect(url.hasPrefix(sandbox.stack.url + "/pinterest/www/oauth/?"))
        for (name, value) in [("response_type", "code"), ("client_id", "sandbox-pinterest-app"), ("redirect_uri", sandbox.redirectURI),
                              ("scope", "ads:read,ads:write,user_accounts:read"), ("state", "xyz")] {
            #expect(FormValuesLite.value(name, in: url) == value, "\(name)")
        }
    }

    @Test func codeExchangeUsesBasicAuthAndGivesAContinuousRefreshToken() throws {
        let now = Date()
        let token = try sandbox.connect(client, now: now)
        #expect(token.partnerUserName == "Demo User")
        #expect(token.value.hasPrefix("pina_"))
        #expect(abs((token.expiresAt ?? .distantPast).timeIntervalSince(now) - 30 * 86_400) < 5)
        #expect(token.refreshToken?.isEmpty == false)
        #expect(abs((token.refreshExpiresAt ?? .distantPast).timeIntervalSince(now) - 60 * 86_400) < 5)
        let exchange = try #require(try sandbox.requests().first { $0["path"] as? String == "/pinterest/api/v5/oauth/token" })
        #expect(exchange["method"] as? String == "POST" && exchange["status"] as? Int == 200)
        let form = PartnerSandbox.form(exchange)
        #expect(form["grant_type"] == "authorization_code" && form["redirect_uri"] == sandbox.redirectURI && form["code"] != nil)
        #expect(form["continuous_refresh"] == "true")
        // The secret never travels in the body: the sandbox accepts only HTTP Basic, so the 200 proves the header.
        #expect(form["client_secret"] == nil && form["client_id"] == nil)
    }

    @Test func deniedBadAndReusedCodesAndAWrongRedirect() throws {
        let url = client.authorizationURL(redirectURI: sandbox.redirectURI, state: "st")
        let denied = try sandbox.consent(url, button: "deny")
        #expect(FormValuesLite.value("error", in: denied) == "access_denied" && FormValuesLite.value("state", in: denied) == "st")
        #expect(errorClass { _ = try client.completeAuthorization(code: "nope", redirectURI: sandbox.redirectURI, now: Date()) } == "auth_invalid")
        let code = try #require(FormValuesLite.value("code", in: try sandbox.consent(url)))
        #expect(errorClass { _ = try client.completeAuthorization(code: code, redirectURI: sandbox.redirectURI + "x", now: Date()) } == "auth_invalid")
        _ = try client.completeAuthorization(code: code, redirectURI: sandbox.redirectURI, now: Date())
        #expect(errorClass { _ = try client.completeAuthorization(code: code, redirectURI: sandbox.redirectURI, now: Date()) } == "auth_invalid")
        let bad = client.authorizationURL(redirectURI: "https://evil.example/cb", state: "st")
        let page = try sandbox.http.send(HTTPRequest(url: bad))
        #expect(page.status == 400 && page.header("location") == nil && page.text.contains("redirect"))
        // A client with the wrong secret is a configuration problem, not the person's.
        var wrong = sandbox.endpoints
        wrong.clientSecret = "not-the-secret"
        let misconfigured = PinterestClient(endpoints: wrong, http: HTTPClient())
        let code2 = try #require(FormValuesLite.value("code", in: try sandbox.consent(url)))
        #expect(errorClass { _ = try misconfigured.completeAuthorization(code: code2, redirectURI: sandbox.redirectURI, now: Date()) } == "permanent")
    }

    @Test func refreshGivesANewRefreshTokenAndARefusedOneIsAuthInvalid() throws {
        let first = try sandbox.connect(client)
        let old = try #require(first.refreshToken)
        try sandbox.knob("POST", "/_sandbox/pinterest/tokens/expire")
        #expect(errorClass { _ = try client.adAccounts(token: first.value) } == "auth_invalid")
        #expect(try client.inspect(token: first.value, now: Date()).isValid == false)
        let renewed = try client.refresh(refreshToken: old, now: Date())
        #expect(renewed.value != first.value && renewed.refreshToken != nil && renewed.refreshToken != old)
        #expect(try client.adAccounts(token: renewed.value).count == 3)
        let form = PartnerSandbox.form(try #require(try sandbox.requests().last { $0["path"] as? String == "/pinterest/api/v5/oauth/token" }))
        #expect(form["grant_type"] == "refresh_token" && form["refresh_token"] == old && form["client_secret"] == nil)
        #expect(errorClass { _ = try client.refresh(refreshToken: old, now: Date()) } == "auth_invalid")
        #expect(try client.inspect(token: renewed.value, now: Date()).isValid)
        try sandbox.knob("POST", "/_sandbox/pinterest/tokens/revoke", #"{"all":true}"#)
        #expect(try client.inspect(token: renewed.value, now: Date()).isValid == false)
        #expect(errorClass { _ = try client.refresh(refreshToken: try #require(renewed.refreshToken), now: Date()) } == "auth_invalid")
    }

    @Test func listsAdAccountsWithThePersonsPermissions() throws {
        let token = try sandbox.connect(client).value
        let accounts = try client.adAccounts(token: token)
        #expect(accounts.map(\.externalID) == [Self.us, "549755885002", "549755885003"])
        #expect(accounts[0].name == "Demo Shop — US" && accounts[1].currency == "EUR" && accounts.map(\.isActive) == [true, true, false])
        // Pinterest's fact is the permissions list; an analyst-only account is listed, marked, and refused writes.
        #expect(accounts[2].facts == [AccountFacts.pinterestPermissions(["ANALYST"])] && accounts[2].facts.blocking?.kind == .role)
        #expect(accounts[0].facts.first?.label == "Your permissions" && accounts[0].facts.blocking == nil)
        let call = try #require(try sandbox.requests().last { $0["path"] as? String == "/pinterest/api/v5/ad_accounts" })
        let query = call["query"] as? [String: Any]
        #expect(query?["include_shared_accounts"] as? String == "true" && query?["page_size"] as? String == "250")
        #expect(query?["access_token"] == nil)
    }

    @Test func createsAListAndAudienceOnceWithTheMarker() throws {
        let token = try sandbox.connect(client).value
        let existing = try client.audiences(account: Self.us, token: token)
        #expect(existing.map(\.id) == [Self.seeded] && existing[0].name == "Newsletter subscribers")
        let marker = IdempotentAudienceCreation.marker("step-7")
        let before = try sandbox.lastSequence()
        let id = try IdempotentAudienceCreation.ensure(client, account: Self.us, name: "VIPs", key: "step-7", existing: existing, token: token)
        #expect(id == "\(Self.us):3100000002")
        let again = try IdempotentAudienceCreation.ensure(client, account: Self.us, name: "VIPs", key: "step-7",
                                                          existing: try client.audiences(account: Self.us, token: token), token: token)
        #expect(again == id)
        let posts = try sandbox.requests(since: before).filter { $0["method"] as? String == "POST" }
        #expect(posts.map { $0["path"] as? String } == ["/pinterest/api/v5/ad_accounts/\(Self.us)/customer_lists",
                                                        "/pinterest/api/v5/ad_accounts/\(Self.us)/audiences"])
        let list = PartnerSandbox.json(posts[0])
        #expect(list["name"] as? String == "VIPs" && list["records"] as? String == "" && list["list_type"] as? String == "EMAIL")
        let audience = PartnerSandbox.json(posts[1])
        #expect(audience["audience_type"] as? String == "CUSTOMER_LIST" && audience["description"] as? String == marker)
        #expect((audience["rule"] as? [String: Any])?["customer_list_id"] as? String == "3100000002")
        #expect(try client.audienceSize(audienceID: id, token: token) == AudienceSize(lower: 0, upper: 0))
    }

    @Test func uploadsOneCommaSeparatedStringAndRemoves() throws {
        let token = try sandbox.connect(client).value
        let before = try sandbox.lastSequence()
        let receipt = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL"],
                                        rows: [[Self.mary], [Self.mary], [""], [Self.person]], token: token)
        #expect(receipt == UploadReceipt(received: 2, invalid: 0))
        _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["MAID"], rows: [[Self.maid]], token: token)
        let calls = try sandbox.requests(since: before)
        #expect(calls.map { $0["method"] as? String } == ["PATCH", "PATCH"])
        #expect(calls.allSatisfy { $0["path"] as? String == "/pinterest/api/v5/ad_accounts/\(Self.us)/customer_lists/\(Self.seededList)" })
        let body = PartnerSandbox.json(calls[0])
        #expect(body["operation_type"] as? String == "ADD" && body["records"] as? String == "\(Self.mary),\(Self.person)")
        var state = try sandbox.knob("GET", "/_sandbox/pinterest/audiences/\(Self.seeded)")
        #expect(state["members"] as? [String] == [Self.maid, Self.person, Self.mary].sorted())
        #expect(try client.audienceSize(audienceID: Self.seeded, token: token)?.lower == 3)

        _ = try client.upload(audienceID: Self.seeded, action: .remove, schema: ["EMAIL"], rows: [[Self.mary]], token: token)
        let remove = try #require(try sandbox.requests(since: before).last)
        #expect(remove["method"] as? String == "PATCH" && PartnerSandbox.json(remove)["operation_type"] as? String == "REMOVE")
        #expect(remove["status"] as? Int == 200)
        state = try sandbox.knob("GET", "/_sandbox/pinterest/audiences/\(Self.seeded)")
        #expect(state["member_count"] as? Int == 2 && state["removes"] as? Int == 1 && state["batches"] as? Int == 3)
    }

    @Test func refusesTwoKeysBadRowsOrForeignIdsBeforeSending() throws {
        let before = try sandbox.lastSequence()
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL", "MAID"], rows: [["a", "b"]], token: "t") } == "invalid_data")
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["PHONE"], rows: [["a"]], token: "t") } == "invalid_data")
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL"], rows: Array(repeating: ["a"], count: 10_001), token: "t") } == "invalid_data")
        #expect(errorClass { _ = try client.upload(audienceID: "3100000001", action: .add, schema: ["EMAIL"], rows: [["a"]], token: "t") } == "audience_gone")
        #expect(try sandbox.lastSequence() == before)
    }

    @Test func classifiesEveryListedError() throws {
        let token = try sandbox.connect(client).value
        // Records Pinterest refuses (upper-case hex): invalid data, nothing stored.
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL"], rows: [[Self.mary.uppercased()]], token: token) } == "invalid_data")
        // Another person's account: 404 code 2 "AdAccount not found." → permission.
        #expect(errorClass { _ = try client.audiences(account: "549755885009", token: token) } == "permission_denied")
        // An analyst-only account: 403 on writes.
        #expect(errorClass { _ = try client.createAudience(account: "549755885003", name: "x", marker: "m", token: token) } == "permission_denied")
        try sandbox.fault(#""path_contains":"/audiences","count":1,"status":503"#)
        #expect(errorClass { _ = try client.audiences(account: Self.us, token: token) } == "transient")
        try sandbox.fault(#""path_contains":"/audiences","count":1,"status":200,"raw_body":"{\"items\":""#)
        #expect(errorClass { _ = try client.audiences(account: Self.us, token: token) } == "transient")
        try sandbox.fault(#""path_contains":"/audiences","count":1,"status":403,"error":{"code":29,"message":"no"}"#)
        #expect(errorClass { _ = try client.audiences(account: Self.us, token: token) } == "permission_denied")
        try sandbox.fault(#""path_contains":"/audiences","count":1,"status":429,"retry_after":7"#)
        do {
            _ = try client.audiences(account: Self.us, token: token)
            Issue.record("expected a throttle")
        } catch {
            #expect(error == .throttled(retryAfter: 7, message: error.message))
        }
        #expect(errorClass { _ = try client.adAccounts(token: "pina_bogus-bogus-bogus-bogus-bogus-bogus") } == "auth_invalid")
        // A list deleted in Ads Manager: gone.
        try sandbox.knob("POST", "/_sandbox/pinterest/audiences/\(Self.seededList)/delete")
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL"], rows: [[Self.mary]], token: token) } == "audience_gone")
        #expect(try client.audiences(account: Self.us, token: token).isEmpty)
    }

    @Test func theSandboxsRateLimitIsAThrottleWithItsReset() throws {
        let token = try sandbox.connect(client).value
        try sandbox.knob("POST", "/_sandbox/pinterest/config", #"{"ads_write_per_minute":2}"#)
        var results: [PartnerError?] = []
        for _ in 0..<3 {
            do { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL"], rows: [[Self.mary]], token: token); results.append(nil) }
            catch { results.append(error) }
        }
        #expect(results[0] == nil && results[1] == nil)
        guard case .throttled(let wait, _)? = results[2] else { Issue.record("expected a throttle, got \(String(describing: results[2]))"); return }
        #expect((wait ?? 0) >= 1 && (wait ?? 0) <= 60)
        // Reads have their own budget.
        #expect(try client.audiences(account: Self.us, token: token).count == 1)
        let state = try sandbox.knob("GET", "/_sandbox/pinterest/state")
        let account = (state["ad_accounts"] as? [[String: Any]])?.first { $0["id"] as? String == Self.us }
        #expect(account?["rate_limit_rejections"] as? Int == 1)
    }
}
