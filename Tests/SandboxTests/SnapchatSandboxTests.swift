import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// The Snapchat emulator through `respond(to:)`: consent page, token endpoint (code, refresh, client checks),
/// the users payload checks of partners.md §5.4, segments and their cap, and the 10-per-second rate limit.
@Suite struct SnapchatSandboxTests {
    let h: SandboxHarness
    init() throws { h = try SandboxHarness() }

    static let clientID = "sandbox-snapchat-app", secret = "sandbox-snapchat-secret"
    static let redirect = "http://127.0.0.1:8080/oauth/callback/snapchat"
    static let authorize = "/snapchat/accounts/login/oauth2/authorize"
    static let tokenPath = "/snapchat/accounts/login/oauth2/access_token"
    static let api = "/snapchat/adsapi/v1"
    static let us = "8adc3db7-8148-4a2c-9c8f-000000000001"
    static let seeded = "4936423463292001"

    static func consentParams(state: String = "st", redirect: String = redirect, scope: String = "snapchat-marketing-api") -> [(String, String)] {
        [("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirect), ("scope", scope), ("state", state)]
    }

    func code() throws -> String {
        let response = h.form("POST", Self.authorize, Self.consentParams() + [("decision", "allow")])
        #expect(response.status == 302)
        let location = try #require(response.header("Location"))
        return try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
    }

    func exchange(_ code: String, secret: String = secret, redirect: String = redirect) -> Response {
        h.form("POST", Self.tokenPath, [("grant_type", "authorization_code"), ("code", code), ("client_id", Self.clientID),
                                        ("client_secret", secret), ("redirect_uri", redirect)])
    }

    func tokens() throws -> (access: String, refresh: String) {
        let body = try h.body(exchange(try code()))
        return (try #require(body["access_token"]?.stringValue), try #require(body["refresh_token"]?.stringValue))
    }

    func api(_ method: String, _ path: String, token: String, _ body: String? = nil, query: [(String, String)] = []) -> Response {
        let headers = ["Authorization": "Bearer " + token]
        if let body { return h.json(method, Self.api + path, body, query: query, headers: headers) }
        return h.responder.respond(to: Request(method: method, path: Self.api + path, query: FormValues(query), headers: headers))
    }

    func snapError(_ response: Response) throws -> String {
        let body = try h.body(response)
        #expect(body["request_status"]?.stringValue == "ERROR")
        return try #require(body["error_code"]?.stringValue)
    }

    static func users(_ hashes: [String], schema: String = "EMAIL_SHA256") -> String {
        #"{"users":[{"schema":["\#(schema)"],"data":[\#(hashes.map { #"[""# + $0 + #""]"# }.joined(separator: ","))]}]}"#
    }

    // MARK: OAuth

    @Test func consentPageShowsTheAppAndScopeWithAllowAndDenyButtons() throws {
        let page = h.get(Self.authorize, Self.consentParams())
        #expect(page.status == 200)
        #expect(page.text.contains("AudienceSync Demo") && page.text.contains("snapchat-marketing-api") && page.text.contains("Demo User"))
        #expect(page.text.contains(#"id="allow""#) && page.text.contains(#"id="deny""#))
        #expect(page.text.contains(#"name="decision" value="allow""#))
        let denied = h.form("POST", Self.authorize, Self.consentParams(state: "s1") + [("decision", "deny")])
        #expect(denied.status == 302)
        let location = try #require(denied.header("Location"))
        #expect(location.hasPrefix(Self.redirect + "?") && location.contains("error=access_denied") && location.contains("state=s1"))
    }

    @Test func unknownClientWrongRedirectOrMissingScopeGetAnErrorPageNeverARedirect() {
        var bad = Self.consentParams()
        bad[1] = ("client_id", "someone-else")
        for params in [bad, Self.consentParams(redirect: "https://evil.example/cb"), Self.consentParams(redirect: Self.redirect + "/x"),
                       Self.consentParams(scope: "")] {
            let page = h.get(Self.authorize, params)
            #expect(page.status == 400 && page.header("Location") == nil)
            let post = h.form("POST", Self.authorize, params + [("decision", "allow")])
            #expect(post.status == 400 && post.header("Location") == nil)
        }
    }

    @Test func codesAreSingleUseShortLivedAndBoundToSecretAndRedirect() throws {
        let answer = try h.body(exchange(try code()))
        #expect(answer["expires_in"]?.intValue == 1800 && answer["token_type"]?.stringValue == "Bearer")
        #expect(answer["refresh_token"]?.stringValue?.isEmpty == false)

        let reused = try code()
        #expect(exchange(reused).status == 200)
        let again = exchange(reused)
        #expect(try again.status == 400 && (try h.body(again))["error"]?.stringValue == "invalid_grant")

        let wrongSecret = exchange(try code(), secret: "nope")
        #expect(try wrongSecret.status == 401 && (try h.body(wrongSecret))["error"]?.stringValue == "invalid_client")
        #expect(try h.body(exchange(try code(), redirect: Self.redirect + "x"))["error"]?.stringValue == "invalid_grant")

        let late = try code()
        h.advanceClock(601)
        #expect(try h.body(exchange(late))["error"]?.stringValue == "invalid_grant")
    }

    @Test func basicAuthWorksAtTheTokenEndpoint() throws {
        let basic = "Basic " + Data("\(Self.clientID):\(Self.secret)".utf8).base64EncodedString()
        let response = h.form("POST", Self.tokenPath, [("grant_type", "authorization_code"), ("code", try code()), ("redirect_uri", Self.redirect)],
                              headers: ["Authorization": basic])
        #expect(response.status == 200, "\(response.text)")
    }

    @Test func refreshRotatesAndExpiredAccessTokensAre401() throws {
        let (access, refresh) = try tokens()
        #expect(api("GET", "/me", token: access).status == 200)
        h.advanceClock(1801)
        let expired = api("GET", "/me", token: access)
        #expect(try expired.status == 401 && (try snapError(expired)) == "E1002")
        let renewed = try h.body(h.form("POST", Self.tokenPath, [("grant_type", "refresh_token"), ("refresh_token", refresh),
                                                                  ("client_id", Self.clientID), ("client_secret", Self.secret)]))
        let newAccess = try #require(renewed["access_token"]?.stringValue)
        #expect(renewed["refresh_token"]?.stringValue != refresh)
        #expect(api("GET", "/me", token: newAccess).status == 200)
        let reused = h.form("POST", Self.tokenPath, [("grant_type", "refresh_token"), ("refresh_token", refresh),
                                                      ("client_id", Self.clientID), ("client_secret", Self.secret)])
        #expect(try reused.status == 400 && (try h.body(reused))["error"]?.stringValue == "invalid_grant")
    }

    // MARK: Accounts and segments

    @Test func organizationsNestTheDemoUsersAccountsOnly() throws {
        let (access, _) = try tokens()
        let body = try h.body(api("GET", "/me/organizations", token: access, query: [("with_ad_accounts", "true")]))
        let orgs = try #require(body["organizations"]?.arrayValue)
        #expect(orgs.count == 1)
        let accounts = try #require(orgs[0]["organization"]?["ad_accounts"]?.arrayValue)
        #expect(accounts.compactMap { $0["id"]?.stringValue } == [Self.us, "8adc3db7-8148-4a2c-9c8f-000000000002", "8adc3db7-8148-4a2c-9c8f-000000000003"])
        #expect(accounts.compactMap { $0["status"]?.stringValue } == ["ACTIVE", "ACTIVE", "PAUSED"])
        let foreign = api("GET", "/adaccounts/8adc3db7-8148-4a2c-9c8f-000000000009/segments", token: access)
        #expect(try foreign.status == 403 && (try snapError(foreign)) == "E3002")
    }

    @Test func segmentsAreCreatedFirstPartyUpToTheCapAndPaged() throws {
        let (access, _) = try tokens()
        #expect(h.knob("POST", "/_sandbox/snapchat/config", #"{"segment_cap":3}"#).status == 200)
        func create(_ name: String, source: String = "FIRST_PARTY") -> Response {
            api("POST", "/adaccounts/\(Self.us)/segments", token: access,
                #"{"segments":[{"name":"\#(name)","description":"m-\#(name)","source_type":"\#(source)","retention_in_days":9999,"ad_account_id":"\#(Self.us)"}]}"#)
        }
        #expect(create("x", source: "ENGAGEMENT").status == 400)
        let made = try h.body(create("A"))
        #expect(made["segments"]?.arrayValue?.first?["segment"]?["description"]?.stringValue == "m-A")
        #expect(create("B").status == 200)
        let over = create("C")
        #expect(try over.status == 400 && (try snapError(over)) == "E1001")

        let first = try h.body(api("GET", "/adaccounts/\(Self.us)/segments", token: access, query: [("limit", "2")]))
        #expect(first["segments"]?.arrayValue?.count == 2)
        let next = try #require(first["paging"]?["next_link"]?.stringValue)
        let cursor = try #require(URLComponents(string: next)?.queryItems?.first { $0.name == "cursor" }?.value)
        let second = try h.body(api("GET", "/adaccounts/\(Self.us)/segments", token: access, query: [("limit", "2"), ("cursor", cursor)]))
        #expect(second["segments"]?.arrayValue?.count == 1 && second["paging"] == nil)
    }

    // MARK: Users payload

    @Test func usersTakeOneSchemaOfLowerHexHashesAndLandAsMembers() throws {
        let (access, _) = try tokens()
        let path = "/segments/\(Self.seeded)/users"
        let a = String(repeating: "ab", count: 32), b = SandboxHarness.hash(2)
        let refused: [String] = [
            #"{"users":[{"schema":["EMAIL_SHA256","PHONE_SHA256"],"data":[["\#(a)","\#(b)"]]}]}"#,
            Self.users([a], schema: "EMAIL"),
            Self.users([a.uppercased()]),
            Self.users(["not-a-hash"]),
            Self.users([a, a]),
            Self.users([]),
            #"{"users":[{"schema":["EMAIL_SHA256"],"data":[["\#(a)"]]},{"schema":["PHONE_SHA256"],"data":[["\#(b)"]]}]}"#,
            #"{"users":[{"id":"123","schema":["EMAIL_SHA256"],"data":[["\#(a)"]]}]}"#,
            "[]",
        ]
        for body in refused {
            let response = api("POST", path, token: access, body)
            #expect(response.status == 400, "\(body)")
            #expect((try? snapError(response)) == "E1001")
        }
        h.advanceClock(1)  // the refusals above spent this second's ten calls
        let added = api("POST", path, token: access, Self.users([a, b]))
        #expect(added.status == 200)
        #expect(try h.body(added)["users"]?.arrayValue?.first?["user"]?["number_uploaded_users"]?.intValue == 2)
        #expect(api("POST", path, token: access, Self.users([a], schema: "PHONE_SHA256")).status == 200)
        #expect(api("DELETE", path, token: access, #"{"users":[{"id":"\#(Self.seeded)","schema":["EMAIL_SHA256"],"data":[["\#(a)"]]}]}"#).status == 200)
        let state = try h.body(h.get("/_sandbox/snapchat/audiences/\(Self.seeded)"))
        #expect(state["members_by_schema"]?["EMAIL_SHA256"] == .array([.string(b)]))
        #expect(state["members_by_schema"]?["PHONE_SHA256"] == .array([.string(a)]))
        #expect(state["adds"]?.intValue == 3 && state["removes"]?.intValue == 1 && state["uploads"]?.intValue == 3)

        _ = h.knob("POST", "/_sandbox/snapchat/audiences/\(Self.seeded)/delete")
        let gone = api("POST", path, token: access, Self.users([a]))
        #expect(try gone.status == 404 && (try snapError(gone)) == "E3003")
    }

    // MARK: Rate limit and faults

    @Test func tenCallsPerSecondPerAccountThenA429WithRetryAfter() throws {
        let (access, _) = try tokens()
        for _ in 0..<10 { #expect(api("GET", "/adaccounts/\(Self.us)/segments", token: access).status == 200) }
        let throttled = api("GET", "/adaccounts/\(Self.us)/segments", token: access)
        #expect(try throttled.status == 429 && throttled.header("Retry-After") == "1" && (try snapError(throttled)) == "E1008")
        // Another account has its own budget; the throttled account recovers a second later.
        #expect(api("GET", "/adaccounts/8adc3db7-8148-4a2c-9c8f-000000000002/segments", token: access).status == 200)
        h.advanceClock(1)
        #expect(api("GET", "/adaccounts/\(Self.us)/segments", token: access).status == 200)
        let state = try h.body(h.get("/_sandbox/snapchat/state"))
        let account = state["ad_accounts"]?.arrayValue?.first { $0["id"]?.stringValue == Self.us }
        #expect(account?["rate_limit_rejections"]?.intValue == 1)
    }

    @Test func faultsAnswerInSnapsEnvelope() throws {
        let (access, _) = try tokens()
        #expect(h.knob("POST", "/_sandbox/faults", #"{"partner":"snapchat","path_contains":"/segments","count":1,"status":403,"error":{"error_code":"E3002"}}"#).status == 200)
        let response = api("GET", "/adaccounts/\(Self.us)/segments", token: access)
        #expect(try response.status == 403 && (try snapError(response)) == "E3002")
        #expect(try h.body(response)["debug_message"]?.stringValue?.isEmpty == false)
    }
}
