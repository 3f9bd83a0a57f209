import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// The Pinterest emulator through `respond(to:)`: consent checks, Basic-only client auth, the records payload
/// rules, the audience `REMOVE`, and the per-category rate limit.
@Suite struct PinterestSandboxTests {
    let h: SandboxHarness
    static let redirect = "http://127.0.0.1:8080/oauth/callback/pinterest"
    static let basic = "Basic " + Data("sandbox-pinterest-app:sandbox-pinterest-secret".utf8).base64EncodedString()
    static let list = "/pinterest/api/v5/ad_accounts/549755885001/customer_lists/3100000001"
    static let hash = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"

    init() throws { h = try SandboxHarness() }

    private func code(scope: String = "ads:read,ads:write") throws -> String {
        let r = h.form("POST", "/pinterest/www/oauth/", [("client_id", "sandbox-pinterest-app"), ("redirect_uri", Self.redirect),
                                                          ("response_type", "code"), ("scope", scope), ("state", "s"), ("decision", "allow")])
        #expect(r.status == 302)
        let location = try #require(r.header("Location"))
        return try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
    }

    private func token(scope: String = "ads:read,ads:write") throws -> String {
        let r = h.form("POST", "/pinterest/api/v5/oauth/token", [("grant_type", "authorization_code"), ("code", try code(scope: scope)),
                                                                 ("redirect_uri", Self.redirect)], headers: ["Authorization": Self.basic])
        #expect(r.status == 200)
        return try #require(h.body(r)["access_token"]?.stringValue)
    }

    private func patch(_ token: String, _ body: String, path: String = list) -> Response {
        h.json("PATCH", path, body, headers: ["Authorization": "Bearer " + token])
    }

    @Test func consentPageShowsTheAppAndScopesAndChecksTheRequest() throws {
        let page = h.get("/pinterest/www/oauth/", [("client_id", "sandbox-pinterest-app"), ("redirect_uri", Self.redirect),
                                                   ("response_type", "code"), ("scope", "ads:read,ads:write"), ("state", "s")])
        #expect(page.status == 200 && page.text.contains("id=\"allow\"") && page.text.contains("id=\"deny\"") && page.text.contains("AudienceSync Demo"))
        #expect(page.text.contains("ads:write"))
        let missing = h.get("/pinterest/www/oauth/", [("client_id", "sandbox-pinterest-app"), ("redirect_uri", Self.redirect),
                                                      ("response_type", "code"), ("scope", "ads:read")])
        #expect(missing.status == 400)
        let wrong = h.get("/pinterest/www/oauth/", [("client_id", "sandbox-pinterest-app"), ("redirect_uri", "http://evil.example/"),
                                                    ("response_type", "code"), ("scope", "ads:read,ads:write")])
        #expect(wrong.status == 400 && wrong.header("Location") == nil)
    }

    @Test func theTokenEndpointTakesOnlyBasicClientAuth() throws {
        let inBody = h.form("POST", "/pinterest/api/v5/oauth/token", [("grant_type", "authorization_code"), ("code", try code()),
                                                                      ("redirect_uri", Self.redirect), ("client_id", "sandbox-pinterest-app"),
                                                                      ("client_secret", "sandbox-pinterest-secret")])
        #expect(inBody.status == 401)
        let ok = h.form("POST", "/pinterest/api/v5/oauth/token", [("grant_type", "authorization_code"), ("code", try code()),
                                                                  ("redirect_uri", Self.redirect)], headers: ["Authorization": Self.basic])
        let body = try h.body(ok)
        #expect(ok.status == 200 && body["refresh_token_expires_in"]?.intValue == 60 * 86_400 && body["expires_in"]?.intValue == 30 * 86_400)
    }

    @Test func recordsMustBeOneLowerCaseCommaSeparatedString() throws {
        let t = try token()
        #expect(patch(t, #"{"operation_type":"ADD","records":"\#(Self.hash),mary@example.com,\#(String(Self.hash.prefix(32)))"}"#).status == 200)
        for bad in [#"{"operation_type":"ADD","records":["\#(Self.hash)"]}"#,              // an array, not a string
                    #"{"operation_type":"ADD","records":"\#(Self.hash.uppercased())"}"#,    // upper case
                    #"{"operation_type":"ADD","records":"Mary@Example.com"}"#,              // upper-case email
                    #"{"operation_type":"ADD","records":"abcd-1234"}"#,                     // a plain MAID
                    #"{"operation_type":"ADD","records":"\#(Self.hash),,"}"#,               // empty records
                    #"{"operation_type":"UPSERT","records":"\#(Self.hash)"}"#,
                    #"{"records":"\#(Self.hash)"}"#] {
            let r = patch(t, bad)
            #expect(r.status == 400, "\(bad)")
            #expect(try h.body(r)["code"]?.intValue == 1)
        }
        #expect(h.knob("POST", "/_sandbox/pinterest/config", #"{"max_records":2}"#).status == 200)
        #expect(patch(t, #"{"operation_type":"REMOVE","records":"a@b.co,c@d.co,e@f.co"}"#).status == 400)
        let state = try h.body(h.get("/_sandbox/pinterest/audiences/3100000001"))
        #expect(state["member_count"]?.intValue == 3 && state["batches"]?.intValue == 1)
    }

    @Test func aSmallListIsTooSmallButRemovalsAreAccepted() throws {
        let t = try token()
        _ = patch(t, #"{"operation_type":"ADD","records":"\#(Self.hash)"}"#)
        let removed = patch(t, #"{"operation_type":"REMOVE","records":"\#(Self.hash),nobody@example.com"}"#)
        #expect(removed.status == 200)
        let body = try h.body(removed)
        #expect(body["status"]?.stringValue == "TOO_SMALL" && body["num_removed_user_records"]?.intValue == 2)
    }

    @Test func audiencesAreRemovedByPatchAndAccountsAreChecked() throws {
        let t = try token()
        let path = "/pinterest/api/v5/ad_accounts/549755885001/audiences/2542620000001"
        #expect(h.json("PATCH", path, #"{"operation_type":"REMOVE"}"#, headers: ["Authorization": "Bearer " + t]).status == 200)
        #expect(h.get(path, headers: ["Authorization": "Bearer " + t]).status == 404)
        let analyst = h.json("POST", "/pinterest/api/v5/ad_accounts/549755885003/audiences", #"{"name":"x"}"#, headers: ["Authorization": "Bearer " + t])
        #expect(analyst.status == 403)
        let foreign = h.get("/pinterest/api/v5/ad_accounts/549755885009/audiences", headers: ["Authorization": "Bearer " + t])
        #expect(foreign.status == 404)
        #expect(try h.body(foreign)["code"]?.intValue == 2)
        #expect(h.get("/pinterest/api/v5/ad_accounts", headers: ["Authorization": "Bearer nope"]).status == 401)
    }

    @Test func adAccountsArePagedByBookmark() throws {
        let t = try token()
        let auth = ["Authorization": "Bearer " + t]
        var ids: [String] = []
        var bookmark: String?
        for _ in 0..<5 {
            var query = [("page_size", "2")]
            if let bookmark { query.append(("bookmark", bookmark)) }
            let page = try h.body(h.get("/pinterest/api/v5/ad_accounts", query, headers: auth))
            ids += page["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            guard let next = page["bookmark"]?.stringValue else { break }
            bookmark = next
        }
        #expect(ids == ["549755885001", "549755885002", "549755885003"])
        let owned = try h.body(h.get("/pinterest/api/v5/ad_accounts", [("include_shared_accounts", "false")], headers: auth))
        #expect(owned["items"]?.arrayValue?.count == 1)
        #expect(h.get("/pinterest/api/v5/ad_accounts", [("page_size", "251")], headers: auth).status == 400)
    }

    @Test func writesAreLimitedPerMinuteAndRecover() throws {
        let t = try token()
        #expect(h.knob("POST", "/_sandbox/pinterest/config", #"{"ads_write_per_minute":3}"#).status == 200)
        for _ in 0..<3 { #expect(patch(t, #"{"operation_type":"ADD","records":"\#(Self.hash)"}"#).status == 200) }
        let limited = patch(t, #"{"operation_type":"ADD","records":"\#(Self.hash)"}"#)
        #expect(limited.status == 429 && limited.header("x-ratelimit-reset") == "60")
        #expect(try h.body(limited)["code"]?.intValue == 8)
        #expect(h.get("/pinterest/api/v5/ad_accounts/549755885001/audiences", headers: ["Authorization": "Bearer " + t]).status == 200)
        #expect(h.knob("POST", "/_sandbox/clock", #"{"advance_seconds":61}"#).status == 200)
        #expect(patch(t, #"{"operation_type":"ADD","records":"\#(Self.hash)"}"#).status == 200)
        let state = try h.body(h.get("/_sandbox/pinterest/audiences/3100000001"))
        #expect(state["batches"]?.intValue == 4 && state["adds"]?.intValue == 4 && state["member_count"]?.intValue == 1)
    }
}
