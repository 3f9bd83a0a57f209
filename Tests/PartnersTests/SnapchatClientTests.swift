import Core
import Foundation
import HTTPClient
import Partners
import TestSupport
import Testing

/// The Snapchat client against the sandbox over real HTTP: exact requests, OAuth with refresh, accounts,
/// segments, users one schema per request, and every listed error class.
@Suite struct SnapchatClientTests {
    let sandbox: PartnerSandbox
    let client: SnapchatClient
    static let us = "8adc3db7-8148-4a2c-9c8f-000000000001"
    static let seeded = "4936423463292001"
    static let email = "b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd"
    static let phone = "2fd199db6d3fa9fe754886ff1822f2867fcb104a6639495eca25c2978efe4ed4"

    init() throws {
        sandbox = try PartnerSandbox(.snapchat)
        client = SnapchatClient(endpoints: sandbox.endpoints, http: HTTPClient())
    }

    @Test func authorizationURLCarriesSnapsParameters() throws {
        let url = client.authorizationURL(redirectURI: sandbox.redirectURI, state: "xyz")
        #expect(url.hasPrefix(sandbox.stack.url + "/snapchat/accounts/login/oauth2/authorize?"))
        for (name, value) in [("response_type", "code"), ("client_id", "sandbox-snapchat-app"), ("redirect_uri", sandbox.redirectURI),
                              ("scope", "snapchat-marketing-api"), ("state", "xyz")] {
            #expect(FormValuesLite.value(name, in: url) == value, "\(name)")
        }
    }

    @Test func codeExchangeGivesAHalfHourTokenARefreshTokenAndTheUsersName() throws {
        let now = Date()
        let token = try sandbox.connect(client, now: now)
        #expect(token.partnerUserName == "Demo User")
        #expect(abs((token.expiresAt ?? .distantPast).timeIntervalSince(now) - 1800) < 5)
        #expect(token.refreshToken?.isEmpty == false)
        let exchange = try #require(try sandbox.requests().first { ($0["path"] as? String)?.hasSuffix("/oauth2/access_token") == true })
        #expect(exchange["method"] as? String == "POST")
        let form = PartnerSandbox.form(exchange)
        #expect(form["grant_type"] == "authorization_code" && form["client_id"] == "sandbox-snapchat-app")
        #expect(form["client_secret"] == "sandbox-snapchat-secret" && form["redirect_uri"] == sandbox.redirectURI && form["code"] != nil)
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
        // An unregistered redirect URI gets an error page, never a redirect.
        let bad = client.authorizationURL(redirectURI: "https://evil.example/cb", state: "st")
        let page = try sandbox.http.send(HTTPRequest(url: bad))
        #expect(page.status == 400 && page.header("location") == nil && page.text.contains("redirect"))
    }

    @Test func refreshRotatesTheRefreshTokenAndARefusedOneIsAuthInvalid() throws {
        let first = try sandbox.connect(client)
        let old = try #require(first.refreshToken)
        try sandbox.knob("POST", "/_sandbox/snapchat/tokens/expire")
        #expect(errorClass { _ = try client.adAccounts(token: first.value) } == "auth_invalid")
        let renewed = try client.refresh(refreshToken: old, now: Date())
        #expect(renewed.value != first.value && renewed.refreshToken != nil && renewed.refreshToken != old)
        #expect(try client.adAccounts(token: renewed.value).count == 3)
        let form = PartnerSandbox.form(try #require(try sandbox.requests().last { ($0["path"] as? String)?.hasSuffix("/access_token") == true }))
        #expect(form["grant_type"] == "refresh_token" && form["refresh_token"] == old && form["client_secret"] == "sandbox-snapchat-secret")
        // The rotated-out token is refused: invalid_grant → auth invalid.
        #expect(errorClass { _ = try client.refresh(refreshToken: old, now: Date()) } == "auth_invalid")
        #expect(try client.inspect(token: renewed.value, now: Date()).isValid)
        try sandbox.knob("POST", "/_sandbox/snapchat/tokens/revoke", #"{"all":true}"#)
        #expect(try client.inspect(token: renewed.value, now: Date()).isValid == false)
    }

    @Test func listsNestedAdAccountsWithTheBearerHeader() throws {
        let token = try sandbox.connect(client).value
        let accounts = try client.adAccounts(token: token)
        #expect(accounts.map(\.externalID) == [Self.us, "8adc3db7-8148-4a2c-9c8f-000000000002", "8adc3db7-8148-4a2c-9c8f-000000000003"])
        #expect(accounts.map(\.isActive) == [true, true, false])
        #expect(accounts.map { $0.facts.map(\.value) } == [["ACTIVE"], ["ACTIVE"], ["PAUSED"]])
        #expect(accounts[2].facts.blocking == AccountFacts.snapchatStatus("PAUSED") && accounts[2].termsAccepted == nil)
        // Snap refuses segments in the paused account.
        #expect(errorClass { _ = try client.createAudience(account: accounts[2].externalID, name: "x", marker: "m", token: token) } == "permission_denied")
        #expect(accounts[1].currency == "EUR" && accounts[0].name == "Demo Retail — US")
        let call = try #require(try sandbox.requests().last { ($0["path"] as? String)?.hasSuffix("/me/organizations") == true })
        #expect((call["query"] as? [String: Any])?["with_ad_accounts"] as? String == "true")
        #expect((call["query"] as? [String: Any])?["access_token"] == nil)
    }

    @Test func createsSegmentsOnceWithTheMarkerAndReadsTheirSize() throws {
        let token = try sandbox.connect(client).value
        let existing = try client.audiences(account: Self.us, token: token)
        #expect(existing.map(\.id) == [Self.seeded])
        let marker = IdempotentAudienceCreation.marker("step-7")
        let id = try IdempotentAudienceCreation.ensure(client, account: Self.us, name: "VIPs", key: "step-7", existing: existing, token: token)
        let again = try IdempotentAudienceCreation.ensure(client, account: Self.us, name: "VIPs", key: "step-7",
                                                          existing: try client.audiences(account: Self.us, token: token), token: token)
        #expect(again == id)
        let create = try sandbox.requests().filter { $0["method"] as? String == "POST" && ($0["path"] as? String)?.hasSuffix("/segments") == true }
        #expect(create.count == 1)
        let segment = try #require((PartnerSandbox.json(create[0])["segments"] as? [[String: Any]])?.first)
        #expect(segment["name"] as? String == "VIPs" && segment["description"] as? String == marker)
        #expect(segment["source_type"] as? String == "FIRST_PARTY" && segment["retention_in_days"] as? Int == 9999)
        #expect(try client.audienceSize(audienceID: id, token: token) == AudienceSize(lower: 0, upper: 0))
        #expect(create[0]["path"] as? String == "/snapchat/adsapi/v1/adaccounts/\(Self.us)/segments")
        let list = try #require(try sandbox.requests().first { $0["method"] as? String == "GET" && ($0["path"] as? String)?.hasSuffix("/segments") == true })
        #expect(list["path"] as? String == "/snapchat/adsapi/v1/adaccounts/\(Self.us)/segments")
        #expect(list["query"] as? [String: String] == ["limit": "1000"])
    }

    @Test func segmentListingFollowsTheNextLinksCursor() throws {
        let token = try sandbox.connect(client).value
        for name in ["B", "C"] { _ = try client.createAudience(account: Self.us, name: name, marker: "m" + name, token: token) }
        try sandbox.knob("POST", "/_sandbox/snapchat/config", #"{"segment_page_size":1}"#)
        let before = try sandbox.lastSequence()
        let audiences = try client.audiences(account: Self.us, token: token)
        #expect(audiences.map(\.name) == ["Newsletter subscribers", "B", "C"])
        #expect(audiences.map(\.description) == ["", "mB", "mC"])
        let pages = try sandbox.requests(since: before).map { $0["query"] as? [String: String] ?? [:] }
        #expect(pages.count == 3 && pages[0]["cursor"] == nil)
        #expect(pages[1]["cursor"] == Self.seeded && pages[2]["cursor"] != nil && pages[2]["cursor"] != Self.seeded)
    }

    @Test func uploadsToASegmentOfAPausedAccountAreRefused() throws {
        let token = try sandbox.connect(client).value
        try sandbox.knob("POST", "/_sandbox/accounts/health", #"{"partner":"snapchat","account":"\#(Self.us)","value":"PAUSED"}"#)
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL_SHA256"], rows: [[Self.email]], token: token) }
            == "permission_denied")
    }

    @Test func uploadsOneSchemaPerRequestDeduplicatedAndRemoves() throws {
        let token = try sandbox.connect(client).value
        let before = try sandbox.lastSequence()
        let receipt = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL_SHA256"],
                                        rows: [[Self.email], [Self.email], [""], [Self.phone]], token: token)
        #expect(receipt == UploadReceipt(received: 2, invalid: 0))
        _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["PHONE_SHA256"], rows: [[Self.phone]], token: token)
        let calls = try sandbox.requests(since: before)
        #expect(calls.map { $0["method"] as? String } == ["POST", "POST"])
        #expect(calls.allSatisfy { $0["path"] as? String == "/snapchat/adsapi/v1/segments/\(Self.seeded)/users" })
        let users = try #require(PartnerSandbox.json(calls[0])["users"] as? [[String: Any]])
        #expect(users.count == 1 && users[0]["schema"] as? [String] == ["EMAIL_SHA256"])
        #expect(users[0]["data"] as? [[String]] == [[Self.email], [Self.phone]])
        var state = try sandbox.knob("GET", "/_sandbox/snapchat/audiences/\(Self.seeded)")
        #expect((state["members_by_schema"] as? [String: [String]]) == ["EMAIL_SHA256": [Self.email, Self.phone].sorted(), "PHONE_SHA256": [Self.phone]])
        #expect(try client.audienceSize(audienceID: Self.seeded, token: token)?.lower == 3)

        _ = try client.upload(audienceID: Self.seeded, action: .remove, schema: ["EMAIL_SHA256"], rows: [[Self.email]], token: token)
        let removal = try #require(try sandbox.requests(since: before).last)
        #expect(removal["method"] as? String == "DELETE" && removal["path"] as? String == "/snapchat/adsapi/v1/segments/\(Self.seeded)/users")
        let removed = try #require((PartnerSandbox.json(removal)["users"] as? [[String: Any]])?.first)
        #expect(removed["id"] as? String == Self.seeded && removed["schema"] as? [String] == ["EMAIL_SHA256"])
        #expect(removed["data"] as? [[String]] == [[Self.email]])
        state = try sandbox.knob("GET", "/_sandbox/snapchat/audiences/\(Self.seeded)")
        #expect(state["member_count"] as? Int == 2)
    }

    @Test func theThousandSegmentCapIsAPermanentRefusal() throws {
        let token = try sandbox.connect(client).value
        try sandbox.knob("POST", "/_sandbox/snapchat/config", #"{"segment_cap":2}"#)
        _ = try client.createAudience(account: Self.us, name: "Second", marker: "m2", token: token)
        #expect(errorClass { _ = try client.createAudience(account: Self.us, name: "Third", marker: "m3", token: token) } == "permanent")
        #expect(try client.audiences(account: Self.us, token: token).map(\.description) == ["", "m2"])
        #expect(PartnerInfo.of(.snapchat).audienceCapPerAccount == 1_000)
    }

    @Test func anExpiredTokenOnAnUploadIsAuthInvalidSoTheEngineRefreshes() throws {
        let first = try sandbox.connect(client)
        try sandbox.knob("POST", "/_sandbox/snapchat/tokens/expire")
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL_SHA256"], rows: [[Self.email]], token: first.value) }
                == "auth_invalid")
        let renewed = try client.refresh(refreshToken: try #require(first.refreshToken), now: Date())
        #expect(try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL_SHA256"], rows: [[Self.email]], token: renewed.value).received == 1)
        // The sandbox reads the token only from `Authorization: Bearer`; the URL never carries it.
        let last = try #require(try sandbox.requests().last)
        #expect(last["status"] as? Int == 200 && (last["query"] as? [String: Any])?.isEmpty == true)
    }

    @Test func refusesTwoSchemasOrBadRowsBeforeSending() throws {
        let before = try sandbox.lastSequence()
        #expect(errorClass { _ = try client.upload(audienceID: "1", action: .add, schema: ["EMAIL_SHA256", "PHONE_SHA256"], rows: [["a", "b"]], token: "t") } == "invalid_data")
        #expect(errorClass { _ = try client.upload(audienceID: "1", action: .add, schema: ["EMAIL"], rows: [["a"]], token: "t") } == "invalid_data")
        #expect(errorClass { _ = try client.upload(audienceID: "1", action: .add, schema: ["EMAIL_SHA256"], rows: Array(repeating: ["a"], count: 10_001), token: "t") } == "invalid_data")
        #expect(try sandbox.lastSequence() == before)
    }

    @Test func classifiesEveryListedError() throws {
        let token = try sandbox.connect(client).value
        // A segment deleted at Snap: gone.
        try sandbox.knob("POST", "/_sandbox/snapchat/audiences/\(Self.seeded)/delete")
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL_SHA256"], rows: [[Self.email]], token: token) } == "audience_gone")
        // Another organization's account: E3002.
        #expect(errorClass { _ = try client.audiences(account: "8adc3db7-8148-4a2c-9c8f-000000000009", token: token) } == "permission_denied")
        try sandbox.fault(#""path_contains":"/segments","count":1,"status":400,"error":{"error_code":"E3002","debug_message":"no access"}"#)
        #expect(errorClass { _ = try client.audiences(account: Self.us, token: token) } == "permission_denied")
        try sandbox.fault(#""path_contains":"/segments","count":1,"status":503"#)
        #expect(errorClass { _ = try client.audiences(account: Self.us, token: token) } == "transient")
        try sandbox.fault(#""path_contains":"/segments","count":1,"status":200,"raw_body":"{\"request_status\":""#)
        #expect(errorClass { _ = try client.audiences(account: Self.us, token: token) } == "transient")
        try sandbox.fault(#""path_contains":"/segments","count":1,"status":429,"retry_after":7"#)
        do {
            _ = try client.audiences(account: Self.us, token: token)
            Issue.record("expected a throttle")
        } catch {
            #expect(error == .throttled(retryAfter: 7, message: error.message))
        }
        #expect(errorClass { _ = try client.adAccounts(token: "snap-access-bogus-bogus-bogus-bogus-bogus") } == "auth_invalid")
        // A payload Snap refuses: invalid data; an ERROR envelope under a 200 is not a success.
        try sandbox.fault(#""path_contains":"/users","count":1,"status":400,"error":{"error_code":"E1001","debug_message":"bad hash"}"#)
        #expect(errorClass { _ = try client.upload(audienceID: "4936423463292002", action: .add, schema: ["EMAIL_SHA256"], rows: [[Self.email]], token: token) } == "invalid_data")
        try sandbox.fault(#""path_contains":"/segments","count":1,"status":200,"raw_body":"{\"request_status\":\"ERROR\",\"error_code\":\"E3002\"}""#)
        #expect(errorClass { _ = try client.audiences(account: Self.us, token: token) } == "permission_denied")
        try sandbox.fault(#""path_contains":"/segments","count":1,"status":401"#)
        #expect(errorClass { _ = try client.audiences(account: Self.us, token: token) } == "auth_invalid")
    }

    @Test func theSandboxsRateLimitIsAThrottle() throws {
        let token = try sandbox.connect(client).value
        try sandbox.knob("POST", "/_sandbox/snapchat/config", #"{"requests_per_second":2}"#)
        var classes: [String?] = []
        for _ in 0..<4 { classes.append(errorClass { _ = try client.audiences(account: Self.us, token: token) }) }
        #expect(classes.contains("throttled"))
        #expect(classes.first == .some(nil))
        let state = try sandbox.knob("GET", "/_sandbox/snapchat/state")
        let account = (state["ad_accounts"] as? [[String: Any]])?.first { $0["id"] as? String == Self.us }
        #expect((account?["rate_limit_rejections"] as? Int ?? 0) >= 1)
    }
}
