import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// The TikTok emulator through `respond(to:)`: portal consent, token exchange, the envelope, payload checks,
/// the rate limit and the knobs (partners.md §2).
@Suite struct TikTokSandboxTests {
    static let appID = "sandbox-tiktok-app", secret = "sandbox-tiktok-secret"
    static let redirect = "http://127.0.0.1:8080/oauth/callback/tiktok"
    static let api = "/tiktok/open_api/v1.3"
    static let first = "7000000000001"
    static let seededAudience = "1790000000000001"

    let sandbox: SandboxHarness

    init() throws { sandbox = try SandboxHarness() }

    // MARK: Helpers

    func consent(_ decision: String, state: String = "st4te", redirect: String = redirect) -> Response {
        sandbox.form("POST", "/tiktok/portal/auth", [("app_id", Self.appID), ("redirect_uri", redirect), ("state", state),
                                                     ("decision", decision)])
    }

    func authCode() throws -> String {
        let location = try #require(consent("allow").header("Location"))
        return try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "auth_code" }?.value)
    }

    func exchange(_ code: String, secret: String = secret) -> Response {
        sandbox.json("POST", Self.api + "/oauth2/access_token/", #"{"app_id":"\#(Self.appID)","secret":"\#(secret)","auth_code":"\#(code)"}"#)
    }

    func token() throws -> String {
        let body = try sandbox.body(exchange(try authCode()))
        return try #require(body["data"]?["access_token"]?.stringValue)
    }

    func get(_ endpoint: String, _ query: [(String, String)] = [], token: String?) -> Response {
        sandbox.get(Self.api + endpoint, query, headers: token.map { ["Access-Token": $0] } ?? [:])
    }

    func post(_ endpoint: String, _ body: String, token: String?) -> Response {
        sandbox.json("POST", Self.api + endpoint, body, headers: token.map { ["Access-Token": $0] } ?? [:])
    }

    /// The envelope's code (every API answer is HTTP 200).
    func code(_ response: Response) throws -> Int {
        #expect(response.status == 200, "\(response.status): \(response.text)")
        let body = try sandbox.body(response)
        #expect(body["request_id"]?.stringValue?.isEmpty == false)
        return try #require(body["code"]?.intValue)
    }

    func mapping(_ token: String, action: String = "add", schema: [String] = ["EMAIL_SHA256"], users: [[String]],
                 audience: String = seededAudience, advertiser: String = first) -> Response {
        let batch = users.map { row in
            "[" + row.map { $0.isEmpty ? "{}" : #"{"id":"\#($0)","audience_ids":["\#(audience)"]}"# }.joined(separator: ",") + "]"
        }.joined(separator: ",")
        let schemaJSON = schema.map { "\"\($0)\"" }.joined(separator: ",")
        return post("/segment/mapping/", #"{"advertiser_ids":["\#(advertiser)"],"action":"\#(action)","id_schema":[\#(schemaJSON)],"batch_data":[\#(batch)]}"#,
                    token: token)
    }

    func members(_ audience: String = seededAudience) throws -> [String] {
        let json = try sandbox.body(sandbox.get("/_sandbox/tiktok/audiences/\(audience)"))
        return (json["members"]?.arrayValue ?? []).compactMap { item in
            guard let type = item["id_type"]?.stringValue, let id = item["id"]?.stringValue else { return nil }
            return type + ":" + id
        }
    }

    // MARK: Consent page

    @Test func consentPageShowsTheAppAndItsButtons() throws {
        let page = sandbox.get("/tiktok/portal/auth", [("app_id", Self.appID), ("state", "s1"), ("redirect_uri", Self.redirect)])
        #expect(page.status == 200)
        #expect(page.text.contains("AudienceSync Demo") && page.text.contains("Audience Management"))
        #expect(page.text.contains(#"id="allow""#) && page.text.contains(#"id="deny""#) && page.text.contains(">Allow</button>"))
        #expect(page.text.contains(#"name="state" value="s1""#))
    }

    @Test func unknownAppOrRedirectGetsAnErrorPageNeverARedirect() {
        let app = sandbox.get("/tiktok/portal/auth", [("app_id", "other"), ("redirect_uri", Self.redirect)])
        #expect(app.status == 400 && app.header("Location") == nil && app.text.contains("Invalid app"))
        let uri = consent("allow", redirect: "http://evil.example/cb")
        #expect(uri.status == 400 && uri.header("Location") == nil && uri.text.contains("Redirect URL mismatch"))
    }

    @Test func allowRedirectsWithAuthCodeAndStateDenyWithAccessDenied() throws {
        let allowed = try #require(consent("allow", state: "abc").header("Location"))
        let items = try #require(URLComponents(string: allowed)?.queryItems)
        #expect(allowed.hasPrefix(Self.redirect + "?"))
        #expect(items.first { $0.name == "state" }?.value == "abc")
        let code = try #require(items.first { $0.name == "auth_code" }?.value)
        #expect(code.count == 40 && items.first { $0.name == "code" }?.value == code)
        let denied = try #require(consent("deny", state: "abc").header("Location"))
        #expect(denied.contains("error=access_denied") && denied.contains("state=abc") && !denied.contains("auth_code"))
    }

    // MARK: Token endpoint

    @Test func authCodesAreSingleUseShortLivedAndNeedTheSecret() throws {
        let code = try authCode()
        #expect(try self.code(exchange(code, secret: "wrong")) == 40101)
        let first = try sandbox.body(exchange(code))
        #expect(first["code"]?.intValue == 0 && first["message"]?.stringValue == "OK")
        #expect(first["data"]?["access_token"]?.stringValue?.count == 40)
        #expect(first["data"]?["advertiser_ids"]?.arrayValue?.count == 3)
        #expect(try self.code(exchange(code)) == 40110)

        let late = try authCode()
        sandbox.advanceClock(3601)
        #expect(try self.code(exchange(late)) == 40110)
        #expect(try self.code(sandbox.json("POST", Self.api + "/oauth2/access_token/", #"{"app_id":"\#(Self.appID)"}"#)) == 40002)
    }

    @Test func pathsNeedTheirTrailingSlashAndMethod() throws {
        #expect(sandbox.json("POST", Self.api + "/oauth2/access_token", "{}").status == 404)
        #expect(get("/segment/mapping/", token: nil).status == 405)
    }

    // MARK: Tokens

    @Test func tokenErrorsAreHTTP200WithTikToksCodes() throws {
        #expect(try code(get("/user/info/", token: nil)) == 40104)
        #expect(try code(get("/user/info/", token: String(repeating: "a", count: 40))) == 40105)
        let token = try token()
        let info = try sandbox.body(get("/user/info/", token: token))
        #expect(info["data"]?["display_name"]?.stringValue == "Demo User")
        #expect(sandbox.knob("POST", "/_sandbox/tiktok/tokens/expire", #"{"token":"\#(token)"}"#).status == 200)
        #expect(try code(get("/user/info/", token: token)) == 40102)
        let other = try self.token()
        #expect(sandbox.knob("POST", "/_sandbox/tiktok/tokens/revoke", #"{"all":true}"#).status == 200)
        #expect(try code(get("/user/info/", token: other)) == 40105)
        // A token in the query string is not a token at TikTok.
        #expect(try code(sandbox.get(Self.api + "/user/info/", [("access_token", other)])) == 40104)
    }

    // MARK: Advertisers and audiences

    @Test func advertisersAreTheAuthorizedOnes() throws {
        let token = try token()
        #expect(try code(get("/oauth2/advertiser/get/", [("app_id", Self.appID), ("secret", "nope")], token: token)) == 40101)
        let list = try sandbox.body(get("/oauth2/advertiser/get/", [("app_id", Self.appID), ("secret", Self.secret)], token: token))
        #expect(list["data"]?["list"]?.arrayValue?.compactMap { $0["advertiser_id"]?.stringValue }
                == ["7000000000001", "7000000000002", "7000000000003"])
        let info = try sandbox.body(get("/advertiser/info/", [("advertiser_ids", #"["7000000000003"]"#)], token: token))
        #expect(info["data"]?["list"]?.arrayValue?.first?["status"]?.stringValue == "STATUS_DISABLE")
        #expect(try code(get("/advertiser/info/", [("advertiser_ids", #"["7000000000009"]"#)], token: token)) == 40001)
        #expect(try code(get("/advertiser/info/", [("advertiser_ids", #"["7999"]"#)], token: token)) == 40300)
    }

    @Test func audiencesAreCreatedListedPagedCappedAndDeleted() throws {
        let token = try token()
        let create = #"{"advertiser_id":"\#(Self.first)","custom_audience_name":"Buyers","action":"create"}"#
        let a = try #require(sandbox.body(post("/segment/audience/", create, token: token))["data"]?["audience_id"]?.stringValue)
        let b = try #require(sandbox.body(post("/segment/audience/", create, token: token))["data"]?["audience_id"]?.stringValue)
        #expect(a != b)   // duplicate names are allowed
        let page = try sandbox.body(get("/dmp/custom_audience/list/", [("advertiser_id", Self.first), ("page", "2"), ("page_size", "3")], token: token))
        #expect(page["data"]?["list"]?.arrayValue?.first?["audience_id"]?.stringValue == b)
        #expect(page["data"]?["page_info"]?["total_page"]?.intValue == 2 && page["data"]?["page_info"]?["total_number"]?.intValue == 4)
        #expect(try code(get("/dmp/custom_audience/list/", [("advertiser_id", Self.first), ("page_size", "101")], token: token)) == 40002)

        #expect(sandbox.knob("POST", "/_sandbox/tiktok/config", #"{"audience_cap":4}"#).status == 200)
        #expect(try code(post("/segment/audience/", create, token: token)) == 40002)
        #expect(try code(post("/dmp/custom_audience/delete/", #"{"advertiser_id":"\#(Self.first)","custom_audience_ids":["\#(a)"]}"#, token: token)) == 0)
        #expect(try code(get("/dmp/custom_audience/get/", [("advertiser_id", Self.first), ("custom_audience_ids", #"["\#(a)"]"#)], token: token)) == 40007)
        #expect(try code(post("/segment/audience/", create, token: token)) == 0)
        let long = String(repeating: "x", count: 129)
        #expect(try code(post("/segment/audience/", #"{"advertiser_id":"\#(Self.first)","custom_audience_name":"\#(long)","action":"create"}"#, token: token)) == 40002)
    }

    // MARK: Mapping

    @Test func mappingAddsAndDeletesMembersAlignedWithTheSchema() throws {
        let token = try token()
        let email = SandboxHarness.hash(1), phone = SandboxHarness.hash(2)
        #expect(try code(mapping(token, schema: ["EMAIL_SHA256", "PHONE_SHA256"], users: [[email, phone], ["", SandboxHarness.hash(3)]])) == 0)
        #expect(try members() == ["EMAIL_SHA256:\(email)", "PHONE_SHA256:\(phone)", "PHONE_SHA256:\(SandboxHarness.hash(3))"])
        #expect(try code(mapping(token, action: "delete", schema: ["EMAIL_SHA256", "PHONE_SHA256"], users: [[email, phone]])) == 0)
        #expect(try members() == ["PHONE_SHA256:\(SandboxHarness.hash(3))"])
        let inspected = try sandbox.body(sandbox.get("/_sandbox/tiktok/audiences/\(Self.seededAudience)"))
        #expect(inspected["ids_added"]?.intValue == 3 && inspected["ids_removed"]?.intValue == 2 && inspected["requests"]?.intValue == 2)
    }

    @Test func mappingRefusesBadPayloadsWholly() throws {
        let token = try token()
        let good = SandboxHarness.hash(1)
        #expect(try code(mapping(token, users: [[String(repeating: "AB", count: 32)]])) == 40002)                     // not lower-hex
        #expect(try code(mapping(token, users: [["user@example.com"]])) == 40002)                      // not hashed
        #expect(try code(mapping(token, schema: ["EMAIL"], users: [[good]])) == 40002)                 // Facebook's key
        #expect(try code(mapping(token, schema: ["EMAIL_SHA256", "PHONE_SHA256"], users: [[good]])) == 40002)   // not aligned
        #expect(try code(mapping(token, action: "remove", users: [[good]])) == 40002)                 // TikTok says delete
        #expect(try code(mapping(token, users: [[good]], audience: "1790000000009999")) == 40002)      // unknown audience
        #expect(try code(mapping(token, users: [[good]], advertiser: TikTokSchema.foreignAdvertiserID)) == 40001)
        #expect(try code(mapping(token, users: Array(repeating: [good], count: 10_001))) == 40011)
        #expect(try members().isEmpty)
        #expect(sandbox.knob("POST", "/_sandbox/tiktok/audiences/\(Self.seededAudience)/delete").status == 200)
        let gone = mapping(token, users: [[good]])
        #expect(try code(gone) == 40002 && gone.text.contains("invalid audience ID"))
    }

    @Test func tenThousandUsersFitOneRequest() throws {
        let token = try token()
        #expect(try code(mapping(token, users: (0..<10_000).map { [SandboxHarness.hash($0)] })) == 0)
        #expect(try sandbox.body(sandbox.get("/_sandbox/tiktok/audiences/\(Self.seededAudience)"))["member_count"]?.intValue == 10_000)
    }

    // MARK: Rate limit, faults, log

    @Test func theAppLimitPerEndpointAnswers40100() throws {
        let token = try token()
        #expect(sandbox.knob("POST", "/_sandbox/tiktok/config", #"{"qps_limit":2}"#).status == 200)
        #expect(try code(get("/user/info/", token: token)) == 0)
        #expect(try code(get("/user/info/", token: token)) == 0)
        #expect(try code(get("/user/info/", token: token)) == 40100)
        #expect(try code(get("/dmp/custom_audience/list/", [("advertiser_id", Self.first)], token: token)) == 0)   // per endpoint
        sandbox.advanceClock(1)
        #expect(try code(get("/user/info/", token: token)) == 0)
        let state = try sandbox.body(sandbox.get("/_sandbox/tiktok/state"))
        #expect(state["rate_limit_rejections"]?.intValue == 1)
        let log = try sandbox.body(sandbox.get("/_sandbox/requests", [("partner", "tiktok")]))
        #expect(log["requests"]?.arrayValue?.contains { $0["error_code"]?.intValue == 40100 && $0["status"]?.intValue == 200 } == true)
    }

    @Test func faultsUseTikToksEnvelope() throws {
        let token = try token()
        #expect(sandbox.knob("POST", "/_sandbox/faults", #"{"partner":"tiktok","path_contains":"/user/info/","status":200,"count":1,"error":{"code":40133,"message":"Advertiser QPS limit"}}"#).status == 200)
        let body = try sandbox.body(get("/user/info/", token: token))
        #expect(body["code"]?.intValue == 40133 && body["message"]?.stringValue == "Advertiser QPS limit" && body["request_id"] != nil)
        #expect(try code(get("/user/info/", token: token)) == 0)
    }

    @Test func resetReseedsAndTheHomePageListsTikTok() throws {
        _ = try token()
        #expect(sandbox.knob("POST", "/_sandbox/reset").status == 200)
        let state = try sandbox.body(sandbox.get("/_sandbox/tiktok/state"))
        #expect(state["tokens"]?.arrayValue?.isEmpty == true && state["audiences"]?.arrayValue?.count == 2)
        let home = sandbox.get("/")
        #expect(home.text.contains("TikTok (API for Business)") && home.text.contains("Demo Shop — US"))
    }
}
