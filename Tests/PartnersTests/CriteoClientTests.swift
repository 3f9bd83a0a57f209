import Core
import Foundation
import HTTPClient
import Partners
import TestSupport
import Testing

/// The Criteo client against the sandbox over real HTTP: exact requests, the authorization-code flow with
/// refresh, advertisers, contact-list segments (search, create once with the marker, cap), amendments one
/// identifier type per call, and every listed error class.
@Suite struct CriteoClientTests {
    let sandbox: PartnerSandbox
    let client: CriteoClient
    static let fr = "4455001"
    static let seeded = "8800001"
    static let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    static let person = "b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd"
    static let maid = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
    static let api = "/criteo/api/2026-07"

    init() throws {
        sandbox = try PartnerSandbox(.criteo)
        client = CriteoClient(endpoints: sandbox.endpoints, http: HTTPClient())
    }

    @Test func authorizationURLCarriesTheConsentParameters() throws {
        let url = client.authorizationURL(redirectURI: sandbox.redirectURI, state: "xyz")
        #expect(url.hasPrefix(sandbox.stack.url + "/criteo/consent/oauth2/authorize?"))
        for (name, value) in [("response_type", "code"), ("client_id", "sandbox-criteo-app"), ("redirect_uri", sandbox.redirectURI), ("state", "xyz")] {
            #expect(FormValuesLite.value(name, in: url) == value, "\(name)")
        }
        let page = try sandbox.http.send(HTTPRequest(url: url))
        #expect(page.text.contains("AudienceSync Demo") && page.text.contains("Audiences: manage"))
    }

    @Test func codeExchangeGivesAFifteenMinuteTokenAndARefreshToken() throws {
        let now = Date()
        let token = try sandbox.connect(client, now: now)
        #expect(abs((token.expiresAt ?? .distantPast).timeIntervalSince(now) - 900) < 5)
        #expect(token.refreshToken?.isEmpty == false)
        let exchange = try #require(try sandbox.requests().first { $0["path"] as? String == "/criteo/api/oauth2/token" })
        #expect(exchange["method"] as? String == "POST")
        let form = PartnerSandbox.form(exchange)
        #expect(form["grant_type"] == "authorization_code" && form["client_id"] == "sandbox-criteo-app" && form["client_secret"] == "sandbox-criteo-secret")
        #expect(form["redirect_uri"] == sandbox.redirectURI && form["code"] != nil)
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
        let page = try sandbox.http.send(HTTPRequest(url: client.authorizationURL(redirectURI: "https://evil.example/cb", state: "st")))
        #expect(page.status == 400 && page.header("location") == nil && page.text.contains("redirect"))
    }

    @Test func anExpiredTokenIsAuthInvalidAndRefreshRotates() throws {
        let first = try sandbox.connect(client)
        let old = try #require(first.refreshToken)
        try sandbox.knob("POST", "/_sandbox/criteo/tokens/expire")
        #expect(errorClass { _ = try client.adAccounts(token: first.value) } == "auth_invalid")
        let refused = try #require(try sandbox.requests().last { $0["path"] as? String == Self.api + "/advertisers/me" })
        #expect(refused["status"] as? Int == 401)
        let renewed = try client.refresh(refreshToken: old, now: Date())
        #expect(renewed.value != first.value && renewed.refreshToken != nil && renewed.refreshToken != old)
        #expect(try client.adAccounts(token: renewed.value).count == 3)
        let form = PartnerSandbox.form(try #require(try sandbox.requests().last { $0["path"] as? String == "/criteo/api/oauth2/token" }))
        #expect(form["grant_type"] == "refresh_token" && form["refresh_token"] == old && form["client_secret"] == "sandbox-criteo-secret")
        #expect(errorClass { _ = try client.refresh(refreshToken: old, now: Date()) } == "auth_invalid")
        #expect(try client.inspect(token: renewed.value, now: Date()).isValid)
        try sandbox.knob("POST", "/_sandbox/criteo/tokens/revoke", #"{"all":true}"#)
        #expect(try client.inspect(token: renewed.value, now: Date()).isValid == false)
    }

    @Test func listsConsentedAdvertisersWithTheirStatus() throws {
        let token = try sandbox.connect(client).value
        let accounts = try client.adAccounts(token: token)
        #expect(accounts.map(\.externalID) == [Self.fr, "4455002", "4455003"])
        #expect(accounts[0].name == "Demo Store — FR" && accounts[0].currency == "EUR" && accounts.map(\.isActive) == [true, true, false])
        #expect(accounts.map { $0.facts.map(\.value) } == [["Active"], ["Active"], ["Inactive"]])
        // Criteo refuses segments of the inactive advertiser.
        #expect(errorClass { _ = try client.createAudience(account: "4455003", name: "x", marker: "m", token: token) } == "permission_denied")
        let call = try #require(try sandbox.requests().last { $0["path"] as? String == Self.api + "/advertisers/me" })
        #expect(call["method"] as? String == "GET" && (call["query"] as? [String: Any])?["access_token"] == nil)
    }

    @Test func createsSegmentsOnceWithTheMarkerAndSearchesByAdvertiser() throws {
        let token = try sandbox.connect(client).value
        let existing = try client.audiences(account: Self.fr, token: token)
        #expect(existing.map(\.id) == [Self.seeded] && existing[0].name == "Newsletter subscribers")
        let search = try #require(try sandbox.requests().last { ($0["path"] as? String)?.hasSuffix("/audience-segments/search") == true })
        #expect(search["method"] as? String == "POST")
        #expect((search["query"] as? [String: Any])?["limit"] as? String == "100" && (search["query"] as? [String: Any])?["offset"] as? String == "0")
        let attributes = (PartnerSandbox.json(search)["data"] as? [String: Any])?["attributes"] as? [String: Any]
        #expect(attributes?["advertiserIds"] as? [String] == [Self.fr] && attributes?["audienceSegmentTypes"] as? [String] == ["ContactList"])

        let marker = IdempotentAudienceCreation.marker("step-7")
        let id = try IdempotentAudienceCreation.ensure(client, account: Self.fr, name: "VIPs", key: "step-7", existing: existing, token: token)
        let again = try IdempotentAudienceCreation.ensure(client, account: Self.fr, name: "VIPs", key: "step-7",
                                                          existing: try client.audiences(account: Self.fr, token: token), token: token)
        #expect(again == id && id == "8800002")
        let creates = try sandbox.requests().filter { ($0["path"] as? String)?.hasSuffix("/audience-segments/create") == true }
        #expect(creates.count == 1)
        let created = try #require((PartnerSandbox.json(creates[0])["data"] as? [[String: Any]])?.first?["attributes"] as? [String: Any])
        #expect(created["advertiserId"] as? String == Self.fr && created["name"] as? String == "VIPs" && created["description"] as? String == marker)
        #expect(created["contactList"] as? [String: Any] != nil)
        // The same name again: Criteo's name-must-be-unique, permanent.
        #expect(errorClass { _ = try client.createAudience(account: Self.fr, name: "VIPs", marker: "other", token: token) } == "permanent")
        #expect(try client.audienceSize(audienceID: id, token: token) == nil)
    }

    @Test func searchFollowsOffsetsPastOnePage() throws {
        let token = try sandbox.connect(client).value
        let items = (1...150).map { #"{"attributes":{"advertiserId":"4455002","name":"S\#($0)","description":"d\#($0)","contactList":{}}}"# }
        let created = try sandbox.http.send(HTTPRequest(method: "POST", url: sandbox.endpoints.apiBaseURL + "/marketing-solutions/audience-segments/create",
                                                        headers: [("Content-Type", "application/json"), ("Authorization", "Bearer " + token)],
                                                        body: Array(#"{"data":[\#(items.joined(separator: ","))]}"#.utf8)))
        #expect(created.status == 200)
        let before = try sandbox.lastSequence()
        let audiences = try client.audiences(account: "4455002", token: token)
        #expect(audiences.count == 150 && audiences.last?.description == "d150")
        let offsets = try sandbox.requests(since: before).map { ($0["query"] as? [String: Any])?["offset"] as? String }
        #expect(offsets == ["0", "100"])
    }

    @Test func uploadsToASegmentOfAnInactiveAdvertiserAreRefused() throws {
        let token = try sandbox.connect(client).value
        try sandbox.knob("POST", "/_sandbox/accounts/health", #"{"partner":"criteo","account":"\#(Self.fr)","value":"Inactive"}"#)
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL"], rows: [[Self.mary]], token: token) }
            == "permission_denied")
    }

    @Test func uploadsOneIdentifierTypePerCallAndRemoves() throws {
        let token = try sandbox.connect(client).value
        let before = try sandbox.lastSequence()
        let receipt = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL"],
                                        rows: [[Self.mary], [Self.mary], [""], [Self.person]], token: token)
        #expect(receipt == UploadReceipt(received: 2, invalid: 0))
        let bad = try client.upload(audienceID: Self.seeded, action: .add, schema: ["MADID"], rows: [[Self.maid], ["not-a-device-id"]], token: token)
        #expect(bad == UploadReceipt(received: 2, invalid: 1))
        let calls = try sandbox.requests(since: before)
        #expect(calls.map { $0["method"] as? String } == ["PATCH", "PATCH"])
        #expect(calls.allSatisfy { $0["path"] as? String == Self.api + "/marketing-solutions/audience-segments/\(Self.seeded)/contact-list" })
        let data = try #require(PartnerSandbox.json(calls[0])["data"] as? [String: Any])
        let attributes = try #require(data["attributes"] as? [String: Any])
        #expect(data["type"] as? String == "ContactlistAmendment" && attributes["operation"] as? String == "add")
        #expect(attributes["identifierType"] as? String == "email" && attributes["identifiers"] as? [String] == [Self.mary, Self.person])
        #expect((((PartnerSandbox.json(calls[1])["data"] as? [String: Any])?["attributes"] as? [String: Any])?["identifierType"] as? String) == "madid")
        var state = try sandbox.knob("GET", "/_sandbox/criteo/audiences/\(Self.seeded)")
        #expect((state["members_by_type"] as? [String: [String]]) == ["email": [Self.person, Self.mary], "madid": [Self.maid]])

        _ = try client.upload(audienceID: Self.seeded, action: .remove, schema: ["EMAIL"], rows: [[Self.mary]], token: token)
        let remove = try #require(try sandbox.requests(since: before).last)
        #expect(((PartnerSandbox.json(remove)["data"] as? [String: Any])?["attributes"] as? [String: Any])?["operation"] as? String == "remove")
        state = try sandbox.knob("GET", "/_sandbox/criteo/audiences/\(Self.seeded)")
        #expect(state["member_count"] as? Int == 2 && state["removes"] as? Int == 1)
    }

    @Test func refusesTwoTypesOrBadRowsBeforeSending() throws {
        let before = try sandbox.lastSequence()
        #expect(errorClass { _ = try client.upload(audienceID: "1", action: .add, schema: ["EMAIL", "MADID"], rows: [["a", "b"]], token: "t") } == "invalid_data")
        #expect(errorClass { _ = try client.upload(audienceID: "1", action: .add, schema: ["PHONE"], rows: [["a"]], token: "t") } == "invalid_data")
        #expect(errorClass { _ = try client.upload(audienceID: "1", action: .add, schema: ["EMAIL"], rows: Array(repeating: ["a"], count: 10_001), token: "t") } == "invalid_data")
        #expect(try sandbox.lastSequence() == before)
    }

    @Test func classifiesEveryListedError() throws {
        let token = try sandbox.connect(client).value
        // An advertiser outside the consent: 403.
        #expect(errorClass { _ = try client.audiences(account: "4455009", token: token) } == "permission_denied")
        // A bad segment id: 404 audience-invalid → gone; also once deleted at Criteo.
        #expect(errorClass { _ = try client.upload(audienceID: "999", action: .add, schema: ["EMAIL"], rows: [[Self.mary]], token: token) } == "audience_gone")
        try sandbox.knob("POST", "/_sandbox/criteo/audiences/\(Self.seeded)/delete")
        #expect(errorClass { _ = try client.upload(audienceID: Self.seeded, action: .add, schema: ["EMAIL"], rows: [[Self.mary]], token: token) } == "audience_gone")
        for status in [500, 503] {
            try sandbox.fault(#""path_contains":"/search","count":1,"status":\#(status)"#)
            #expect(errorClass { _ = try client.audiences(account: Self.fr, token: token) } == "transient")
        }
        try sandbox.fault(#""path_contains":"/search","count":1,"status":200,"raw_body":"{\"data\":""#)
        #expect(errorClass { _ = try client.audiences(account: Self.fr, token: token) } == "transient")
        try sandbox.fault(#""path_contains":"/search","count":1,"status":401,"error":{"code":"authorization-token-expired"}"#)
        #expect(errorClass { _ = try client.audiences(account: Self.fr, token: token) } == "auth_invalid")
        try sandbox.fault(#""path_contains":"/contact-list","count":1,"status":400,"error":{"code":"invalid-request"}"#)
        #expect(errorClass { _ = try client.upload(audienceID: "8800001", action: .add, schema: ["EMAIL"], rows: [[Self.mary]], token: token) } == "invalid_data")
        try sandbox.fault(#""path_contains":"/search","count":1,"status":429,"retry_after":7"#)
        do {
            _ = try client.audiences(account: Self.fr, token: token)
            Issue.record("expected a throttle")
        } catch {
            #expect(error == .throttled(retryAfter: 7, message: error.message))
        }
        #expect(errorClass { _ = try client.adAccounts(token: "eyJ-bogus-bogus-bogus-bogus-bogus-bogus") } == "auth_invalid")
    }

    @Test func theAppWideLimitIsAThrottleWithItsReset() throws {
        let token = try sandbox.connect(client).value
        try sandbox.knob("POST", "/_sandbox/criteo/config", #"{"calls_per_minute":2}"#)
        var results: [PartnerError?] = []
        for _ in 0..<3 {
            do { _ = try client.audiences(account: Self.fr, token: token); results.append(nil) } catch { results.append(error) }
        }
        #expect(results[0] == nil && results[1] == nil)
        guard case .throttled(let wait, _)? = results[2] else { Issue.record("expected a throttle, got \(String(describing: results[2]))"); return }
        #expect((wait ?? 0) >= 1 && (wait ?? 0) <= 60)
        #expect(try sandbox.requests().last?["status"] as? Int == 429)
    }
}
