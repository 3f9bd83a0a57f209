import Core
import FastCGI
import Foundation
import HTTPClient
import Partners
import TestSupport
import Testing

/// The LinkedIn client against the sandbox over real HTTP (partners.md §7): what reaches LinkedIn, and how its
/// answers are read.
@Suite struct LinkedInClientTests {
    static let redirectURI = TestApp.baseURL + "/oauth/callback/linkedin"
    static let sha = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"   // sha256("mary@example.com"), §8
    static let sha2 = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"  // sha256("test@example.com"), §8
    static let gaid = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"

    let sandbox: SandboxStack
    let partner: SandboxClient
    let client: LinkedInClient
    let http = HTTPClient()

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        let endpoints = PartnerDefaults.endpoints(sandbox: sandbox.url, setting: { _ in nil })[.linkedin]!
        client = LinkedInClient(endpoints: endpoints, http: HTTPClient())
    }

    /// Opens the consent page and presses the button with `id` (`allow` or `deny`), submitting the form's hidden
    /// inputs and that button's name/value, as a browser would; returns the redirect's Location.
    func press(_ id: String, url: String) throws -> String {
        let page = try http.send(HTTPRequest(url: url))
        #expect(page.status == 200)
        let html = page.text
        var form: [(String, String)] = []
        for match in html.matches(of: /<input type="hidden" name="([^"]+)" value="([^"]*)">/) {
            form.append((String(match.1), String(match.2).replacingOccurrences(of: "&amp;", with: "&")))
        }
        let button = try #require(html.firstMatch(of: try Regex("<button[^>]*id=\"\(id)\" name=\"([^\"]+)\" value=\"([^\"]+)\"")))
        form.append((String(button.output[1].substring ?? ""), String(button.output[2].substring ?? "")))
        let action = try #require(html.firstMatch(of: /<form method="post" action="([^"]+)"/))
        let answer = try http.send(HTTPRequest(method: "POST", url: sandbox.url + action.1, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: Array(URLEncoding.encode(form).utf8)))
        #expect(answer.status == 302)
        return try #require(answer.header("location"))
    }

    func connect() throws -> PartnerToken {
        let url = client.authorizationURL(redirectURI: Self.redirectURI, state: "state-123")
        let code = try #require(FormValuesLite.value("code", in: try press("allow", url: url)))
        return try client.completeAuthorization(code: code, redirectURI: Self.redirectURI, now: Date())
    }

    func requests() throws -> [[String: Any]] {
        let answer = try partner.call("GET", "/_sandbox/requests?partner=linkedin") as? [String: Any]
        return answer?["requests"] as? [[String: Any]] ?? []
    }

    func audience(_ id: String) throws -> [String: Any] {
        try partner.call("GET", "/_sandbox/linkedin/audiences/\(id)") as? [String: Any] ?? [:]
    }

    func className(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let error as PartnerError { return error.className } catch { return "other" }
    }

    @Test func consentExchangeAndRefresh() throws {
        let url = client.authorizationURL(redirectURI: Self.redirectURI, state: "state-123")
        #expect(url.hasPrefix(sandbox.url + "/linkedin/www/oauth/v2/authorization?response_type=code&client_id=sandbox-linkedin-app"))
        #expect(url.contains("scope=r_basicprofile%20r_ads%20rw_dmp_segments") && url.contains("state=state-123"))
        let now = Date()
        let token = try connect()
        #expect(token.partnerUserName == "Demo User")
        let life = try #require(token.expiresAt).timeIntervalSince(now), refreshLife = try #require(token.refreshExpiresAt).timeIntervalSince(now)
        #expect(life > 59 * 86_400 && life < 61 * 86_400 && refreshLife > 364 * 86_400 && refreshLife < 366 * 86_400)
        let refreshToken = try #require(token.refreshToken)

        let exchange = try #require(try requests().first { ($0["path"] as? String)?.hasSuffix("/oauth/v2/accessToken") == true })
        let body = FormValues(urlEncoded: Substring(exchange["body"] as? String ?? ""))
        #expect(exchange["method"] as? String == "POST" && body["grant_type"] == "authorization_code" && body["redirect_uri"] == Self.redirectURI)
        #expect(body["client_secret"] == "sandbox-linkedin-secret")

        // Access tokens expire: LinkedIn answers 401, the refresh grant gives a new one and the same refresh token.
        try partner.call("POST", "/_sandbox/linkedin/tokens/expire")
        #expect(className { _ = try client.adAccounts(token: token.value) } == "auth_invalid")
        let renewed = try client.refresh(refreshToken: refreshToken, now: Date())
        #expect(renewed.value != token.value && renewed.refreshToken == refreshToken && renewed.refreshExpiresAt != nil)
        #expect(try client.adAccounts(token: renewed.value).count == 3)
        #expect(try client.inspect(token: renewed.value, now: Date()).isValid)
        #expect(try client.inspect(token: token.value, now: Date()).isValid == false)

        // A refused refresh token needs a person: auth_invalid.
        #expect(className { _ = try client.refresh(refreshToken: "AQXbogus", now: Date()) } == "auth_invalid")
        try partner.call("POST", "/_sandbox/linkedin/tokens/expire", json: #"{"refresh":true}"#)
        #expect(className { _ = try client.refresh(refreshToken: refreshToken, now: Date()) } == "auth_invalid")
    }

    @Test func deniedReusedAndMisdirectedCodes() throws {
        let url = client.authorizationURL(redirectURI: Self.redirectURI, state: "state-456")
        let denied = try press("deny", url: url)
        #expect(denied.hasPrefix(Self.redirectURI + "?") && FormValuesLite.value("error", in: denied) == "access_denied")
        #expect(FormValuesLite.value("state", in: denied) == "state-456")

        let code = try #require(FormValuesLite.value("code", in: try press("allow", url: url)))
        #expect(className { _ = try client.exchangeCode(code, redirectURI: "http://127.0.0.1:8080/elsewhere", now: Date()) } == "auth_invalid")
        _ = try client.exchangeCode(code, redirectURI: Self.redirectURI, now: Date())
        #expect(className { _ = try client.exchangeCode(code, redirectURI: Self.redirectURI, now: Date()) } == "auth_invalid")

        // An unregistered redirect URI gets an error page, never a redirect.
        let bad = client.authorizationURL(redirectURI: "http://evil.example/cb", state: "s")
        let page = try http.send(HTTPRequest(url: bad))
        #expect(page.status == 400 && page.header("location") == nil)
    }

    @Test func adAccountsCarryTheirStatusAndTheMembersRole() throws {
        let token = try connect()
        let accounts = try client.adAccounts(token: token.value)
        #expect(accounts.map(\.externalID) == ["508000001", "508000002", "508000003"])
        #expect(accounts.first?.name == "Demo Company Ads" && accounts.first?.currency == "USD" && accounts.first?.isActive == true)
        #expect(accounts.map(\.isActive) == [true, true, false])
        #expect(accounts[2].facts == [AccountFacts.linkedInStatus("ACTIVE"), AccountFacts.linkedInRole("VIEWER")])
        #expect(accounts[2].facts.blocking?.value == "VIEWER" && accounts[0].facts.blocking == nil)
        let paths = try requests().compactMap { $0["path"] as? String }
        #expect(paths.contains("/linkedin/api/rest/adAccountUsers") && paths.contains("/linkedin/api/rest/adAccounts"))
        let users = try #require(try requests().first { $0["path"] as? String == "/linkedin/api/rest/adAccountUsers" })
        #expect((users["query"] as? [String: Any])?["q"] as? String == "authenticatedUser")
        // A viewer may not create segments there.
        #expect(className { _ = try client.createAudience(account: "508000003", name: "x", marker: "m", token: token.value) } == "permission_denied")
    }

    @Test func segmentsAreCreatedOnceAndTakeUsersWhenReady() throws {
        let token = try connect().value
        // This test makes more calls in a second than LinkedIn's 10/s; the limit has its own test.
        try partner.call("POST", "/_sandbox/linkedin/config", json: #"{"rate_limit_per_second":1000}"#)
        let marker = IdempotentAudienceCreation.marker("step-42")
        let id = try IdempotentAudienceCreation.ensure(client, account: "508000001", name: "Buyers", key: "step-42",
                                                      existing: try client.audiences(account: "508000001", token: token), token: token)
        let listed = try client.audiences(account: "508000001", token: token)
        #expect(listed.contains { $0.id == id && $0.name == "Buyers" && $0.description == marker })
        #expect(try IdempotentAudienceCreation.ensure(client, account: "508000001", name: "Buyers", key: "step-42", existing: listed, token: token) == id)
        let create = try #require(try requests().first { $0["method"] as? String == "POST" && $0["path"] as? String == "/linkedin/api/rest/dmpSegments" })
        let sent = try JSONSerialization.jsonObject(with: Data((create["body"] as? String ?? "").utf8)) as? [String: Any]
        #expect(sent?["account"] as? String == "urn:li:sponsoredAccount:508000001" && sent?["type"] as? String == "USER")
        #expect(sent?["sourceSegmentId"] as? String == marker)

        // Right after creation the segment is BUILDING: a retryable answer, so the engine tries again.
        let schema = ["SHA256_EMAIL", "GOOGLE_AID"]
        let notReady = className { _ = try client.upload(audienceID: id, action: .add, schema: schema, rows: [[Self.sha, ""]], token: token) }
        #expect(notReady == "transient")
        try partner.call("POST", "/_sandbox/linkedin/audiences/\(id)/ready")

        let receipt = try client.upload(audienceID: id, action: .add, schema: schema,
                                        rows: [[Self.sha, Self.gaid], [Self.sha2, ""], ["", ""]], token: token)
        #expect(receipt == UploadReceipt(received: 3, invalid: 1))
        #expect(try audience(id)["members"] as? [String] == [Self.sha2, Self.gaid, Self.sha].sorted())
        let upload = try #require(try requests().last { ($0["path"] as? String)?.hasSuffix("/dmpSegments/\(id)/users") == true })
        #expect(upload["status"] as? Int == 200)
        let body = try JSONSerialization.jsonObject(with: Data((upload["body"] as? String ?? "").utf8)) as? [String: Any]
        let elements = body?["elements"] as? [[String: Any]] ?? []
        #expect(elements.count == 2 && elements.allSatisfy { $0["action"] as? String == "ADD" })
        #expect((elements[0]["userIds"] as? [[String: String]]) == [["idType": "SHA256_EMAIL", "idValue": Self.sha], ["idType": "GOOGLE_AID", "idValue": Self.gaid]])

        _ = try client.upload(audienceID: id, action: .remove, schema: schema, rows: [[Self.sha, Self.gaid]], token: token)
        #expect(try audience(id)["members"] as? [String] == [Self.sha2])
        #expect(try client.audienceSize(audienceID: id, token: token) == AudienceSize(lower: 1, upper: 1))

        // More than 5,000 users never leave; a deleted segment is gone.
        let many = Array(repeating: [Self.sha, ""], count: 5_001)
        #expect(className { _ = try client.upload(audienceID: id, action: .add, schema: schema, rows: many, token: token) } == "invalid_data")
        try partner.call("POST", "/_sandbox/linkedin/audiences/\(id)/delete")
        #expect(className { _ = try client.upload(audienceID: id, action: .add, schema: schema, rows: [[Self.sha, ""]], token: token) } == "audience_gone")
    }

    @Test func throttlesAndFaultsAreClassified() throws {
        let token = try connect().value
        try partner.call("POST", "/_sandbox/linkedin/config", json: #"{"rate_limit_per_second":1}"#)
        var throttled: PartnerError?
        for _ in 0..<3 {
            do { _ = try client.audiences(account: "508000001", token: token) } catch { throttled = error }
        }
        #expect(throttled == .throttled(retryAfter: 1, message: throttled?.message ?? ""))
        try partner.call("POST", "/_sandbox/linkedin/config", json: #"{"rate_limit_per_second":1000}"#)

        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"linkedin","path_contains":"/dmpSegments","status":503,"count":1}"#)
        #expect(className { _ = try client.audiences(account: "508000001", token: token) } == "transient")
        try partner.call("POST", "/_sandbox/faults",
                         json: #"{"partner":"linkedin","path_contains":"/dmpSegments","status":403,"count":1,"error":{"status":403,"code":"ACCESS_DENIED","serviceErrorCode":100,"message":"Not enough permissions"}}"#)
        #expect(className { _ = try client.audiences(account: "508000001", token: token) } == "permission_denied")
        try partner.call("POST", "/_sandbox/linkedin/tokens/revoke", json: #"{"all":true}"#)
        #expect(className { _ = try client.audiences(account: "508000001", token: token) } == "auth_invalid")
    }
}
