import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// The LinkedIn emulator on its own database (partners.md §7): consent page, headers, payload checks, the
/// BUILDING time of new segments and the per-second rate limit.
@Suite struct LinkedInSandboxTests {
    static let redirectURI = "http://127.0.0.1:8080/oauth/callback/linkedin"
    static let sha = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    let sandbox: SandboxHarness
    let token: String

    init() throws {
        sandbox = try SandboxHarness()
        let consent = sandbox.get("/linkedin/www/oauth/v2/authorization", [
            ("response_type", "code"), ("client_id", "sandbox-linkedin-app"), ("redirect_uri", Self.redirectURI),
            ("state", "st"), ("scope", "r_basicprofile r_ads rw_dmp_segments")])
        #expect(consent.status == 200 && consent.text.contains(#"id="allow""#) && consent.text.contains(#"id="deny""#))
        #expect(consent.text.contains("AudienceSync Demo") && consent.text.contains("rw_dmp_segments"))
        let allowed = sandbox.form("POST", "/linkedin/www/oauth/v2/authorization", [
            ("response_type", "code"), ("client_id", "sandbox-linkedin-app"), ("redirect_uri", Self.redirectURI), ("state", "st"),
            ("scope", "r_basicprofile r_ads rw_dmp_segments"), ("action", "allow")])
        let location = allowed.header("location") ?? ""
        let code = FormValues(urlEncoded: Substring(location.split(separator: "?").last ?? ""))["code"] ?? ""
        let answer = sandbox.form("POST", "/linkedin/www/oauth/v2/accessToken", [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirectURI),
            ("client_id", "sandbox-linkedin-app"), ("client_secret", "sandbox-linkedin-secret")])
        token = JSON.parse(answer.text)?["access_token"]?.stringValue ?? ""
        #expect(!token.isEmpty)
    }

    func headers(version: String? = "202604", restli: String? = "2.0.0", method: String? = nil) -> [String: String] {
        var h = ["Authorization": "Bearer " + token]
        if let version { h["LinkedIn-Version"] = version }
        if let restli { h["X-Restli-Protocol-Version"] = restli }
        if let method { h["X-RestLi-Method"] = method }
        return h
    }

    func createSegment() -> String {
        let body = #"{"name":"T","account":"urn:li:sponsoredAccount:508000001","type":"USER","sourcePlatform":"AUDIENCESYNC","sourceSegmentId":"m","destinations":[{"destination":"LINKEDIN"}]}"#
        let response = sandbox.json("POST", "/linkedin/api/rest/dmpSegments", body, headers: headers())
        #expect(response.status == 201)
        return response.header("x-linkedin-id") ?? ""
    }

    func users(_ id: String, _ body: String, method: String? = "BATCH_CREATE") -> Response {
        sandbox.json("POST", "/linkedin/api/rest/dmpSegments/\(id)/users", body, headers: headers(method: method))
    }

    @Test func consentRefusesUnknownAppsAndRedirects() {
        let wrong = sandbox.get("/linkedin/www/oauth/v2/authorization", [
            ("response_type", "code"), ("client_id", "sandbox-linkedin-app"), ("redirect_uri", "http://evil.example/"), ("scope", "r_ads")])
        #expect(wrong.status == 400 && wrong.header("location") == nil)
        let app = sandbox.get("/linkedin/www/oauth/v2/authorization", [("client_id", "nope"), ("redirect_uri", Self.redirectURI)])
        #expect(app.status == 400 && app.header("location") == nil)
    }

    @Test func versionedHeadersAreRequired() {
        #expect(sandbox.get("/linkedin/api/rest/me", headers: headers()).status == 200)
        let missing = sandbox.get("/linkedin/api/rest/me", headers: headers(version: nil))
        #expect(missing.status == 400 && missing.text.contains("VERSION_MISSING"))
        #expect(sandbox.get("/linkedin/api/rest/me", headers: headers(version: "202001")).status == 426)
        #expect(sandbox.get("/linkedin/api/rest/me", headers: headers(restli: nil)).status == 400)
        #expect(sandbox.get("/linkedin/api/rest/me", headers: ["LinkedIn-Version": "202604", "X-Restli-Protocol-Version": "2.0.0"]).status == 401)
    }

    @Test func newSegmentsRefuseUsersWhileBuilding() {
        let id = createSegment()
        let add = #"{"elements":[{"action":"ADD","userIds":[{"idType":"SHA256_EMAIL","idValue":"\#(Self.sha)"}]}]}"#
        let early = users(id, add)
        #expect(early.status == 404 && early.text.contains("BUILDING"))
        #expect(sandbox.knob("POST", "/_sandbox/clock", #"{"advance_seconds":5}"#).status == 200)
        let late = users(id, add)
        #expect(late.status == 200 && late.text == #"{"elements":[{"status":201}]}"#)
        let state = JSON.parse(sandbox.get("/_sandbox/linkedin/audiences/\(id)").text)
        #expect(state?["members"] == .array([.string(Self.sha)]) && state?["not_ready_refusals"]?.intValue == 1)
    }

    @Test func payloadsAreCheckedElementByElement() {
        let id = createSegment()
        _ = sandbox.knob("POST", "/_sandbox/linkedin/audiences/\(id)/ready")
        let mixed = #"{"elements":[{"action":"ADD","userIds":[{"idType":"SHA256_EMAIL","idValue":"\#(Self.sha.uppercased())"}]},"# +
            #"{"action":"ADD","userIds":[{"idType":"EMAIL","idValue":"a@b.c"}]},{"action":"DROP","userIds":[]},"# +
            #"{"action":"ADD","userIds":[{"idType":"GOOGLE_AID","idValue":"\#(Self.sha)"}]},"# +
            #"{"action":"ADD","userIds":[{"idType":"GOOGLE_AID","idValue":"f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}]}]}"#
        let answer = JSON.parse(users(id, mixed).text)
        #expect(answer?["elements"]?.arrayValue?.map { $0["status"]?.intValue ?? 0 } == [400, 400, 400, 400, 201])
        #expect(users(id, #"{"elements":[]}"#).status == 400)
        let element = #"{"action":"ADD","userIds":[{"idType":"SHA256_EMAIL","idValue":"\#(Self.sha)"}]}"#
        let tooMany = #"{"elements":["# + Array(repeating: element, count: 5_001).joined(separator: ",") + "]}"
        #expect(users(id, tooMany).status == 400)
        #expect(users(id, #"{"elements":[\#(element)]}"#, method: nil).status == 400)
        let viewer = sandbox.json("POST", "/linkedin/api/rest/dmpSegments",
                                  #"{"name":"T","account":"urn:li:sponsoredAccount:508000003","type":"USER","sourcePlatform":"X","destinations":[{"destination":"LINKEDIN"}]}"#,
                                  headers: headers())
        #expect(viewer.status == 403)
    }

    @Test func rateLimitIsPerSecond() {
        _ = sandbox.knob("POST", "/_sandbox/linkedin/config", #"{"rate_limit_per_second":2}"#)
        let statuses = (0..<3).map { _ in sandbox.get("/linkedin/api/rest/me", headers: headers()).status }
        #expect(statuses == [200, 200, 429])
        let throttled = sandbox.get("/linkedin/api/rest/me", headers: headers())
        #expect(throttled.header("retry-after") == "1" && throttled.text.contains("TOO_MANY_REQUESTS"))
        _ = sandbox.knob("POST", "/_sandbox/clock", #"{"advance_seconds":1}"#)
        #expect(sandbox.get("/linkedin/api/rest/me", headers: headers()).status == 200)
    }

    func code() -> String {
        let allowed = sandbox.form("POST", "/linkedin/www/oauth/v2/authorization", [
            ("response_type", "code"), ("client_id", "sandbox-linkedin-app"), ("redirect_uri", Self.redirectURI), ("state", "st"),
            ("scope", "r_ads rw_dmp_segments"), ("action", "allow")])
        return FormValues(urlEncoded: Substring((allowed.header("location") ?? "").split(separator: "?").last ?? ""))["code"] ?? ""
    }

    func exchange(_ pairs: [(String, String)]) -> Response {
        sandbox.form("POST", "/linkedin/www/oauth/v2/accessToken", pairs + [("client_id", "sandbox-linkedin-app")])
    }

    @Test func codesAreShortLivedAndSecretsChecked() {
        let secret = ("client_secret", "sandbox-linkedin-secret")
        let wrongSecret = exchange([("grant_type", "authorization_code"), ("code", code()), ("redirect_uri", Self.redirectURI),
                                    ("client_secret", "nope")])
        #expect(wrongSecret.status == 401 && wrongSecret.text.contains("invalid_client"))
        let late = code()
        _ = sandbox.knob("POST", "/_sandbox/clock", #"{"advance_seconds":1801}"#)
        let expired = exchange([("grant_type", "authorization_code"), ("code", late), ("redirect_uri", Self.redirectURI), secret])
        #expect(expired.status == 400 && expired.text.contains("invalid_request"))
        let denied = sandbox.form("POST", "/linkedin/www/oauth/v2/authorization", [
            ("response_type", "code"), ("client_id", "sandbox-linkedin-app"), ("redirect_uri", Self.redirectURI), ("state", "s9"),
            ("scope", "r_ads"), ("action", "deny")])
        let location = denied.header("location") ?? ""
        #expect(location.hasPrefix(Self.redirectURI + "?error=access_denied&") && location.hasSuffix("&state=s9"))
    }

    @Test func expiredTokensAnswerLinkedInsErrorAndRefreshGivesANewOne() {
        let granted = JSON.parse(exchange([("grant_type", "authorization_code"), ("code", code()), ("redirect_uri", Self.redirectURI),
                                           ("client_secret", "sandbox-linkedin-secret")]).text)
        let refresh = granted?["refresh_token"]?.stringValue ?? ""
        #expect(granted?["expires_in"]?.intValue == 5_184_000 && granted?["refresh_token_expires_in"]?.intValue == 31_536_000)
        _ = sandbox.knob("POST", "/_sandbox/linkedin/tokens/expire")
        let expired = sandbox.get("/linkedin/api/rest/me", headers: headers())
        #expect(expired.status == 401 && expired.text.contains("EXPIRED_ACCESS_TOKEN"))
        _ = sandbox.knob("POST", "/_sandbox/clock", #"{"advance_seconds":86400}"#)
        let renewed = JSON.parse(exchange([("grant_type", "refresh_token"), ("refresh_token", refresh),
                                           ("client_secret", "sandbox-linkedin-secret")]).text)
        #expect(renewed?["access_token"]?.stringValue?.isEmpty == false && renewed?["refresh_token"]?.stringValue == refresh)
        #expect(renewed?["refresh_token_expires_in"]?.intValue == 31_536_000 - 86_400)   // the year does not restart
        let refused = exchange([("grant_type", "refresh_token"), ("refresh_token", "AQXnope"), ("client_secret", "sandbox-linkedin-secret")])
        #expect(refused.status == 400 && refused.text.contains("invalid_grant"))
    }

    @Test func faultsUseLinkedInsEnvelope() {
        _ = sandbox.knob("POST", "/_sandbox/faults", #"{"partner":"linkedin","path_contains":"/me","status":503,"count":1}"#)
        let fault = sandbox.get("/linkedin/api/rest/me", headers: headers())
        #expect(fault.status == 503 && JSON.parse(fault.text)?["code"]?.stringValue == "INTERNAL_SERVER_ERROR")
        #expect(sandbox.get("/linkedin/api/rest/me", headers: headers()).status == 200)
    }
}
