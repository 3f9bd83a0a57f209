import Core
import Foundation
import HTTPClient
import Partners
import TestSupport
import Testing

/// The Google client against the sandbox over real HTTP: what reaches Google (request log, headers knob, stored members)
/// and how its answers are read.
@Suite struct GoogleClientTests {
    static let redirectURI = TestApp.baseURL + "/oauth/callback/google"
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-pkce-verifier"
    /// sha256("mary@example.com") and sha256("dana@example.com") (partners.md §8).
    static let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    static let dana = "07e2f1394b0ea80e2adca010ea8318df697001a005ba7452720edda4b0ce57b3"

    let sandbox: SandboxStack
    let partner: SandboxClient
    let client: GoogleClient

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        client = Self.client(sandbox)
    }

    static func client(_ sandbox: SandboxStack, login: String = "") -> GoogleClient {
        GoogleClient(endpoints: PartnerEndpoints(
            authorizeURL: sandbox.url + "/google/accounts/o/oauth2/v2/auth", apiBaseURL: sandbox.url + "/google/datamanager/v1",
            tokenURL: sandbox.url + "/google/oauth2/token", clientID: "sandbox-google-app", clientSecret: "sandbox-google-secret",
            extra: ["ads_api_url": sandbox.url + "/google/googleads/v22", "developer_token": "sandbox-google-developer-token",
                    "login_customer_id": login]), http: HTTPClient())
    }

    /// Consent (Allow) and code exchange with the PKCE verifier.
    func connect() throws -> PartnerToken {
        let url = client.authorizationURL(redirectURI: Self.redirectURI, state: "state-1234567890", codeVerifier: Self.verifier)
        let callback = try consent(url)
        let code = try #require(FormValuesLite.value("code", in: callback))
        return try client.completeAuthorization(code: code, redirectURI: Self.redirectURI, codeVerifier: Self.verifier, now: Date())
    }

    /// Opens the consent page and submits its form as a browser would: the hidden inputs plus the pressed button's
    /// name and value (`id="allow"` or `id="deny"`). Returns where the sandbox redirects.
    func consent(_ url: String, button: String = "allow") throws -> String {
        let http = HTTPClient()
        let page = try http.send(HTTPRequest(url: url))
        guard page.status == 200 else { throw ConsentError.page(page.status, page.text) }
        let html = page.text
        func attribute(_ name: String, in tag: Substring) -> String? {
            guard let start = tag.range(of: " \(name)=\"") else { return nil }
            let rest = tag[start.upperBound...]
            return rest.firstIndex(of: "\"").map { Self.unescape(String(rest[..<$0])) }
        }
        let tags = html.split(separator: "<").filter { $0.hasPrefix("input ") || $0.hasPrefix("button ") || $0.hasPrefix("form ") }
        var form = tags.filter { $0.hasPrefix("input ") && attribute("type", in: $0) == "hidden" }.compactMap { tag in
            attribute("name", in: tag).map { ($0, attribute("value", in: tag) ?? "") }
        }
        guard let pressed = tags.first(where: { $0.hasPrefix("button ") && attribute("id", in: $0) == button }),
              let name = attribute("name", in: pressed), let action = tags.first(where: { $0.hasPrefix("form ") }).flatMap({ attribute("action", in: $0) })
        else { throw ConsentError.page(0, "no form with button #\(button)") }
        form.append((name, attribute("value", in: pressed) ?? ""))
        let answer = try http.send(HTTPRequest(method: "POST", url: sandbox.url + action,
                                               headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: Array(form.map { Self.escape($0.0) + "=" + Self.escape($0.1) }.joined(separator: "&").utf8)))
        guard answer.status == 302, let location = answer.header("location") else { throw ConsentError.page(answer.status, answer.text) }
        return location
    }

    enum ConsentError: Error { case page(Int, String) }

    static func unescape(_ text: String) -> String {
        [("&quot;", "\""), ("&#39;", "'"), ("&#x27;", "'"), ("&#x2F;", "/"), ("&#x3D;", "="), ("&#x60;", "`"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")]
            .reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    func log() throws -> [[String: Any]] {
        let answer = try partner.call("GET", "/_sandbox/requests?partner=google")
        return answer as? [[String: Any]] ?? (answer as? [String: Any])?["requests"] as? [[String: Any]] ?? []
    }

    func bodies(_ suffix: String) throws -> [[String: Any]] {
        try log().filter { ($0["path"] as? String)?.hasSuffix(suffix) == true && ($0["status"] as? NSNumber)?.intValue == 200 }.compactMap {
            try JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any]
        }
    }

    func members(_ audienceID: String) throws -> [[String: Any]] {
        let id = audienceID.split(separator: "/").last.map(String.init) ?? ""
        return (try partner.call("GET", "/_sandbox/google/audiences/\(id)") as? [String: Any])?["members"] as? [[String: Any]] ?? []
    }

    func fault(_ json: String) throws { try partner.call("POST", "/_sandbox/faults", json: json) }

    func expectClass(_ className: String, _ body: () throws -> Void) {
        do { try body(); Issue.record("expected \(className)") } catch let error as PartnerError {
            #expect(error.className == className, "\(error)")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func authorizationURLAsksForOfflineAccessBothScopesAndAnS256Challenge() throws {
        let url = client.authorizationURL(redirectURI: Self.redirectURI, state: "st", codeVerifier: Self.verifier)
        let query = { (name: String) in FormValuesLite.value(name, in: url) }
        #expect(url.hasPrefix(sandbox.url + "/google/accounts/o/oauth2/v2/auth?"))
        #expect(query("client_id") == "sandbox-google-app" && query("redirect_uri") == Self.redirectURI && query("state") == "st")
        #expect(query("response_type") == "code" && query("access_type") == "offline" && query("prompt") == "consent")
        #expect(query("scope") == "https://www.googleapis.com/auth/adwords https://www.googleapis.com/auth/datamanager email")
        #expect(query("code_challenge_method") == "S256")
        // RFC 7636 appendix B.
        #expect(GoogleClient.codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(query("code_challenge") == GoogleClient.codeChallenge(Self.verifier))
    }

    @Test func codeExchangeSendsTheVerifierAndGivesARefreshToken() throws {
        let token = try connect()
        #expect(token.value.hasPrefix("ya29.") && token.refreshToken?.hasPrefix("1//") == true)
        #expect(token.partnerUserName == "demo.user@example.com")
        let expires = try #require(token.expiresAt).timeIntervalSinceNow
        #expect(expires > 3500 && expires <= 3600)
        let exchange = try #require(try log().last { ($0["path"] as? String)?.hasSuffix("/oauth2/token") == true })
        let body = exchange["body"] as? String ?? ""
        #expect(FormValuesLite.value("grant_type", in: "?" + body) == "authorization_code")
        #expect(FormValuesLite.value("code_verifier", in: "?" + body) == Self.verifier)
        #expect(FormValuesLite.value("client_secret", in: "?" + body) == "sandbox-google-secret")
    }

    @Test func spentCodesWrongVerifiersDenialAndUnknownRedirectsAreRefused() throws {
        let url = client.authorizationURL(redirectURI: Self.redirectURI, state: "st", codeVerifier: Self.verifier)
        let code = try #require(FormValuesLite.value("code", in: try consent(url)))
        expectClass("auth_invalid") {
            _ = try client.completeAuthorization(code: code, redirectURI: Self.redirectURI, codeVerifier: Self.verifier + "x", now: Date())
        }
        let second = try #require(FormValuesLite.value("code", in: try consent(url)))
        _ = try client.completeAuthorization(code: second, redirectURI: Self.redirectURI, codeVerifier: Self.verifier, now: Date())
        expectClass("auth_invalid") {   // single use
            _ = try client.completeAuthorization(code: second, redirectURI: Self.redirectURI, codeVerifier: Self.verifier, now: Date())
        }
        let denied = try consent(url, button: "deny")
        #expect(denied.hasPrefix(Self.redirectURI) && FormValuesLite.value("error", in: denied) == "access_denied")
        #expect(FormValuesLite.value("state", in: denied) == "st")
        let wrong = client.authorizationURL(redirectURI: "http://evil.example/cb", state: "st", codeVerifier: Self.verifier)
        #expect(throws: (any Error).self) { try consent(wrong) }
    }

    @Test func expiredAccessTokensAreAuthInvalidAndARefreshRenewsThem() throws {
        let token = try connect()
        try partner.call("POST", "/_sandbox/google/tokens/expire")
        expectClass("auth_invalid") { _ = try client.adAccounts(token: token.value) }
        let refreshed = try client.refresh(refreshToken: try #require(token.refreshToken), now: Date())
        #expect(refreshed.value != token.value && refreshed.refreshToken == token.refreshToken)
        #expect(try client.adAccounts(token: refreshed.value).count == 4)
        #expect(try client.inspect(token: refreshed.value, now: Date()).isValid)
        try partner.call("POST", "/_sandbox/google/tokens/revoke", json: #"{"all":true}"#)
        expectClass("auth_invalid") { _ = try client.refresh(refreshToken: token.refreshToken ?? "", now: Date()) }
        #expect(try client.inspect(token: refreshed.value, now: Date()).isValid == false)
    }

    @Test func adAccountsAreTheUsableClientCustomersWithGoogleAdsHeaders() throws {
        let token = try connect().value
        let accounts = try client.adAccounts(token: token)
        // The manager is left out; the cancelled customer is listed by its id with Google's refusal as its status.
        #expect(accounts.map(\.externalID) == ["1234567890", "2345678901", "3456789012", "4567890123"])
        #expect(accounts.map(\.name) == ["Demo Retail — US", "Demo Retail — EU", "3456789012", "Demo Outlet — Terms pending"])
        #expect(accounts[1].currency == "EUR")
        #expect(accounts[0].facts == [AccountFacts.googleStatus("ENABLED"), AccountFacts.googleCustomerDataTerms(accepted: true)] && accounts[0].isActive)
        #expect(accounts[2].facts == [AccountFacts.googleStatus("CUSTOMER_NOT_ENABLED")] && !accounts[2].isActive)
        // Enabled, but without the customer data terms: active, terms not accepted, and its uploads refused.
        #expect(accounts[3].facts.blocking == AccountFacts.googleCustomerDataTerms(accepted: false))
        #expect(accounts[3].isActive && accounts[3].termsAccepted == false && accounts[0].termsAccepted == true)
        let headers = (try partner.call("GET", "/_sandbox/google/headers") as? [String: Any])?["headers"] as? [[String: Any]] ?? []
        #expect(!headers.isEmpty && headers.allSatisfy {
            $0["authorization_scheme"] as? String == "Bearer" && $0["developer_token"] as? String == "sandbox-google-developer-token"
                && $0["login_customer_id"] is NSNull
        })
        #expect(headers.first?["path"] as? String == "/google/googleads/v22/customers:listAccessibleCustomers")

        let viaManager = Self.client(sandbox, login: "900-000-0001")
        #expect(try viaManager.audiences(account: "1234567890", token: token).count == 2)
        let last = ((try partner.call("GET", "/_sandbox/google/headers") as? [String: Any])?["headers"] as? [[String: Any]])?.last
        #expect(last?["login_customer_id"] as? String == "9000000001")
    }

    @Test func createsListsWithTheMarkerOnceAndListsThem() throws {
        let token = try connect().value
        let existing = try client.audiences(account: "123-456-7890", token: token)
        #expect(existing.map(\.name) == ["Newsletter subscribers", "App users (iOS)"])
        let id = try IdempotentAudienceCreation.ensure(client, account: "1234567890", name: "Loyal buyers", key: "step-7", existing: existing, token: token)
        #expect(id.hasPrefix("customers/1234567890/userLists/"))
        let again = try IdempotentAudienceCreation.ensure(client, account: "1234567890", name: "Loyal buyers", key: "step-7",
                                                          existing: try client.audiences(account: "1234567890", token: token), token: token)
        #expect(again == id)
        let created = try #require(try client.audiences(account: "1234567890", token: token).first { $0.id == id })
        #expect(created.description == IdempotentAudienceCreation.marker("step-7") && created.name == "Loyal buyers")
        let mutates = try bodies("/userLists:mutate")
        #expect(mutates.count == 1)
        let create = ((mutates[0]["operations"] as? [[String: Any]])?.first?["create"]) as? [String: Any]
        #expect((create?["crmBasedUserList"] as? [String: Any])?["uploadKeyType"] as? String == "CONTACT_INFO")
        #expect(create?["description"] as? String == IdempotentAudienceCreation.marker("step-7"))
        expectClass("permanent") { _ = try client.createAudience(account: "1234567890", name: "Loyal buyers", marker: "m", token: token) }
        #expect(try client.audienceSize(audienceID: id, token: token) == AudienceSize(lower: 0, upper: 0))
    }

    @Test func aCustomerWithoutTheCustomerDataTermsTakesNoMembers() throws {
        let token = try connect().value
        let id = try client.createAudience(account: "4567890123", name: "Buyers", marker: "m", token: token)
        expectClass("terms_not_accepted") {
            _ = try client.upload(audienceID: id, action: .add, schema: ["EMAIL_ADDRESS"], rows: [[Self.mary]], token: token)
        }
    }

    @Test func addsAndRemovesMembersThroughDataManagerWithConsent() throws {
        let token = try connect().value
        let id = try client.createAudience(account: "1234567890", name: "Buyers", marker: "m", token: token)
        let schema = ["EMAIL_ADDRESS", "GIVEN_NAME", "FAMILY_NAME", "REGION_CODE", "POSTAL_CODE", "AD_USER_DATA", "AD_PERSONALIZATION"]
        let alex = "4135aa9dc1b842a653dea846903ddb95bfb8c5a10c504a7fa16e10bc31d1fdf0", quinn = "c512ca0c5c1e71be19f3356821e56732b5fb3ac894b0dbc5846d0b6920106fb3"
        let receipt = try client.upload(audienceID: id, action: .add, schema: schema, rows: [
            [Self.mary, alex, quinn, "US", "94045", "CONSENT_GRANTED", "CONSENT_DENIED"],
            [Self.dana, "", "", "", "", "", ""],
            ["", alex, "", "US", "", "", ""],   // an incomplete address is no identifier: not sent
        ], token: token)
        #expect(receipt == UploadReceipt(received: 2, invalid: 1))
        let stored = try members(id)
        #expect(Set(stored.compactMap { $0["identifier"] as? String }) == [
            "email:" + Self.mary, "address:\(alex)|\(quinn)|US|94045", "email:" + Self.dana,
        ])
        #expect(stored.first { $0["identifier"] as? String == "email:" + Self.mary }?["ad_personalization"] as? String == "CONSENT_DENIED")
        #expect(stored.first { $0["identifier"] as? String == "email:" + Self.dana }?["ad_user_data"] as? String == "CONSENT_STATUS_UNSPECIFIED")

        let ingest = try #require(try bodies("/audienceMembers:ingest").last)
        let destination = (ingest["destinations"] as? [[String: Any]])?.first
        #expect((destination?["operatingAccount"] as? [String: Any])?["accountId"] as? String == "1234567890")
        #expect(destination?["productDestinationId"] as? String == id.split(separator: "/").last.map(String.init))
        #expect(ingest["encoding"] as? String == "HEX")
        #expect((ingest["termsOfService"] as? [String: Any])?["customerMatchTermsOfServiceStatus"] as? String == "ACCEPTED")
        #expect((ingest["audienceMembers"] as? [[String: Any]])?.count == 2)

        _ = try client.upload(audienceID: id, action: .remove, schema: ["EMAIL_ADDRESS", "AD_USER_DATA", "AD_PERSONALIZATION"],
                              rows: [[Self.dana, "CONSENT_GRANTED", ""]], token: token)
        let remove = try #require(try bodies("/audienceMembers:remove").last)
        #expect(remove["termsOfService"] == nil && (remove["audienceMembers"] as? [[String: Any]])?.first?["consent"] == nil)
        #expect(try members(id).count == 2)
    }

    @Test func callsOverTheMemberLimitAreSplitBeforeSending() throws {
        let token = try connect().value
        #expect(client.maxUsersPerRequest == 10_000)
        expectClass("invalid_data") {
            _ = try client.upload(audienceID: "customers/1234567890/userLists/8800000001", action: .add, schema: ["EMAIL_ADDRESS"],
                                  rows: Array(repeating: [Self.mary], count: 10_001), token: token)
        }
        #expect(try bodies("/audienceMembers:ingest").isEmpty)
    }

    @Test func badRowsAndGoneListsAreClassifiedFromGooglesAnswers() throws {
        let token = try connect().value
        let list = "customers/1234567890/userLists/8800000001"
        do {
            _ = try client.upload(audienceID: list, action: .add, schema: ["EMAIL_ADDRESS"], rows: [[Self.mary], ["not-hex"], [Self.dana]], token: token)
            Issue.record("expected invalid data")
        } catch {
            #expect(error == .invalidData(rows: [1], message: error.message))
            #expect(error.message.contains("INVALID_HEX_ENCODING"))
        }
        expectClass("permanent") {   // mobile ids to a contact list
            _ = try client.upload(audienceID: list, action: .add, schema: ["MOBILE_ID"], rows: [["6032d997-3ab0-4de0-aa16-8af0e5b482fb"]], token: token)
        }
        _ = try client.upload(audienceID: "customers/1234567890/userLists/8800000002", action: .add, schema: ["MOBILE_ID", "AD_USER_DATA"],
                              rows: [["6032d997-3ab0-4de0-aa16-8af0e5b482fb", ""]], token: token)
        #expect(try members("customers/1234567890/userLists/8800000002").first?["identifier"] as? String == "mobile:6032d997-3ab0-4de0-aa16-8af0e5b482fb")
        try partner.call("POST", "/_sandbox/google/audiences/8800000001/delete")
        expectClass("audience_gone") { _ = try client.upload(audienceID: list, action: .add, schema: ["EMAIL_ADDRESS"], rows: [[Self.mary]], token: token) }
        expectClass("audience_gone") { _ = try client.audienceSize(audienceID: list, token: token) }
        expectClass("permission_denied") {
            _ = try client.upload(audienceID: "customers/5555555555/userLists/1", action: .add, schema: ["EMAIL_ADDRESS"], rows: [[Self.mary]], token: token)
        }
    }

    @Test func theIngestionQuotaAnswersThrottledWithItsDelay() throws {
        let token = try connect().value
        try partner.call("POST", "/_sandbox/google/config", json: #"{"ingestion_per_minute":1}"#)
        let list = "customers/1234567890/userLists/8800000001"
        _ = try client.upload(audienceID: list, action: .add, schema: ["EMAIL_ADDRESS"], rows: [[Self.mary]], token: token)
        do {
            _ = try client.upload(audienceID: list, action: .add, schema: ["EMAIL_ADDRESS"], rows: [[Self.dana]], token: token)
            Issue.record("expected throttled")
        } catch {
            guard case .throttled(let retryAfter, _) = error else { Issue.record("\(error)"); return }
            #expect((retryAfter ?? 0) > 0 && (retryAfter ?? 0) <= 60)
        }
    }

    @Test func injectedGoogleErrorsMapToTheirClasses() throws {
        let token = try connect().value
        let list = "customers/1234567890/userLists/8800000001"
        func upload() throws { _ = try client.upload(audienceID: list, action: .add, schema: ["EMAIL_ADDRESS"], rows: [[Self.mary]], token: token) }
        let cases: [(String, String)] = [
            (#"{"code":400,"status":"INVALID_ARGUMENT","message":"x","details":[{"@type":"type.googleapis.com/google.ads.googleads.v22.errors.GoogleAdsFailure","errors":[{"errorCode":{"databaseError":"CONCURRENT_MODIFICATION"}}]}]}"#, "transient"),
            (#"{"code":429,"status":"RESOURCE_EXHAUSTED","message":"quota","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}"#, "throttled"),
            (#"{"code":401,"status":"UNAUTHENTICATED","message":"expired"}"#, "auth_invalid"),
            (#"{"code":403,"status":"PERMISSION_DENIED","message":"no"}"#, "permission_denied"),
            (#"{"code":400,"status":"INVALID_ARGUMENT","message":"x","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"terms_of_service","reason":"TERMS_AND_CONDITIONS_NOT_SIGNED"}]}]}"#, "terms_not_accepted"),
            (#"{"code":503,"status":"UNAVAILABLE","message":"later"}"#, "transient"),
        ]
        for (error, className) in cases {
            try partner.call("DELETE", "/_sandbox/faults")
            let status = error.contains("\"code\":429") ? 429 : (error.contains("\"code\":401") ? 401 : (error.contains("\"code\":403") ? 403 : (error.contains("\"code\":503") ? 503 : 400)))
            try fault(#"{"partner":"google","path_contains":"audienceMembers","status":\#(status),"error":\#(error)}"#)
            expectClass(className) { try upload() }
        }
        try partner.call("DELETE", "/_sandbox/faults")
        try fault(#"{"partner":"google","path_contains":"audienceMembers","status":429,"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}"#)
        do { try upload(); Issue.record("expected throttled") } catch let error as PartnerError {
            if case .throttled(let retryAfter, _) = error { #expect(retryAfter == nil) } else { Issue.record("\(error)") }
        }
    }
}
