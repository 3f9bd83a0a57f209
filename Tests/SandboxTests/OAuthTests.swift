import FastCGI
import Foundation
import Testing
@testable import Sandbox

@Suite("Facebook OAuth dialog and token endpoint")
struct OAuthTests {
    let h: SandboxHarness
    init() throws { h = try SandboxHarness() }

    private func dialogQuery(clientID: String = SandboxHarness.clientID, redirect: String = SandboxHarness.redirectURI,
                             state: String? = "abc123", scope: String = "ads_management") -> [(String, String)] {
        var q = [("client_id", clientID), ("redirect_uri", redirect), ("scope", scope), ("response_type", "code")]
        if let state { q.append(("state", state)) }
        return q
    }

    private func exchange(code: String, redirect: String = SandboxHarness.redirectURI,
                          secret: String = SandboxHarness.clientSecret) -> Response {
        h.get("/facebook/graph/v25.0/oauth/access_token", [
            ("client_id", SandboxHarness.clientID), ("redirect_uri", redirect), ("client_secret", secret), ("code", code),
        ])
    }

    @Test func consentPageNamesAppScopesAndButtons() throws {
        let page = h.get("/facebook/www/v25.0/dialog/oauth", dialogQuery(scope: "ads_management,business_management"))
        #expect(page.status == 200)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        let html = page.text
        #expect(html.contains("AudienceSync Demo is requesting access to:"))
        #expect(html.contains("Manage your ads (ads_management)"))
        #expect(html.contains("Manage your business (business_management)"))
        #expect(html.contains("Continue as Demo User"))
        #expect(html.contains(#"name="decision" value="accept""#))
        #expect(html.contains(#"name="decision" value="cancel""#))
        #expect(html.contains(#"<form method="post" action="/facebook/www/v25.0/dialog/oauth""#))
        #expect(html.contains(#"name="state" value="abc123""#))
        #expect(html.contains(#"href="/static/sandbox.css""#))
        #expect(!html.contains("<script"))
        #expect(!html.contains("style="))
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'none'") == true)
    }

    @Test func userSuppliedValuesAreEscaped() {
        let page = h.get("/facebook/www/v19.0/dialog/oauth", dialogQuery(state: #"<script>alert("x")</script>"#))
        #expect(page.status == 200)
        #expect(!page.text.contains("<script>alert"))
        #expect(page.text.contains("&lt;script&gt;"))
    }

    @Test func unknownAppIsInvalidAppID() {
        let page = h.get("/facebook/www/v25.0/dialog/oauth", dialogQuery(clientID: "nope"))
        #expect(page.text.contains("Invalid App ID"))
        #expect(!page.text.contains("Continue as"))
    }

    @Test func unregisteredRedirectIsBlocked() {
        for redirect in ["http://evil.example/cb", SandboxHarness.redirectURI + "/", SandboxHarness.redirectURI + "?x=1"] {
            let page = h.get("/facebook/www/v25.0/dialog/oauth", dialogQuery(redirect: redirect))
            #expect(page.text.contains("URL blocked: This redirect failed because the redirect URI is not whitelisted in the app&#39;s Client OAuth Settings"))
            #expect(page.header("Location") == nil)
        }
    }

    @Test func postRevalidatesClientAndRedirect() {
        let tampered = h.form("POST", "/facebook/www/v25.0/dialog/oauth", [
            ("client_id", SandboxHarness.clientID), ("redirect_uri", "http://evil.example/cb"), ("state", "s"),
            ("scope", "ads_management"), ("decision", "accept"),
        ])
        #expect(tampered.status != 302)
        #expect(tampered.text.contains("URL blocked"))
        let badApp = h.form("POST", "/facebook/www/v25.0/dialog/oauth", [
            ("client_id", "other"), ("redirect_uri", SandboxHarness.redirectURI), ("decision", "accept"),
        ])
        #expect(badApp.text.contains("Invalid App ID"))
    }

    @Test func unknownScopeIsRefused() {
        let page = h.get("/facebook/www/v25.0/dialog/oauth", dialogQuery(scope: "ads_management,fly_to_moon"))
        #expect(page.text.contains("Invalid Scopes: fly_to_moon"))
    }

    @Test func fullDanceToLongLivedToken() throws {
        let accept = h.form("POST", "/facebook/www/v25.0/dialog/oauth", [
            ("client_id", SandboxHarness.clientID), ("redirect_uri", SandboxHarness.redirectURI),
            ("state", "x y&z=1"), ("scope", "ads_management"), ("decision", "accept"),
        ])
        #expect(accept.status == 302)
        let location = try #require(accept.header("Location"))
        #expect(location.hasPrefix(SandboxHarness.redirectURI + "?code="))
        let items = try #require(URLComponents(string: location)?.queryItems)
        #expect(items.first { $0.name == "state" }?.value == "x y&z=1")
        let code = try #require(items.first { $0.name == "code" }?.value)

        let exchanged = exchange(code: code)
        #expect(exchanged.status == 200)
        let short = try h.body(exchanged)
        let shortToken = try #require(short["access_token"]?.stringValue)
        #expect(shortToken.hasPrefix("EAA") && shortToken.count >= 103)
        #expect(shortToken.dropFirst(3).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(short["token_type"] == .string("bearer"))
        #expect(short["expires_in"] == .int(5400))

        let me = h.graph("GET", "/me", token: shortToken, [("fields", "id,name")])
        #expect(try h.body(me) == .object([("id", .string("10000001")), ("name", .string("Demo User"))]))

        let long = h.get("/facebook/graph/v25.0/oauth/access_token", [
            ("grant_type", "fb_exchange_token"), ("client_id", SandboxHarness.clientID),
            ("client_secret", SandboxHarness.clientSecret), ("fb_exchange_token", shortToken),
        ])
        #expect(long.status == 200)
        let longBody = try h.body(long)
        #expect(longBody["expires_in"] == .int(5_183_944))
        let longToken = try #require(longBody["access_token"]?.stringValue)
        #expect(longToken != shortToken && longToken.hasPrefix("EAA"))

        // The long-lived token outlives the short one.
        h.advanceClock(5401)
        #expect(try h.graphError(h.graph("GET", "/me", token: shortToken)).subcode == 463)
        #expect(h.graph("GET", "/me", token: longToken).status == 200)
    }

    @Test func noStateGivenNoStateReturned() throws {
        let accept = h.form("POST", "/facebook/www/v25.0/dialog/oauth", [
            ("client_id", SandboxHarness.clientID), ("redirect_uri", SandboxHarness.redirectURI), ("state", ""),
            ("scope", "ads_management"), ("decision", "accept"),
        ])
        let location = try #require(accept.header("Location"))
        #expect(!location.contains("state="))
    }

    @Test func cancelRedirectsWithAccessDenied() throws {
        let cancel = h.form("POST", "/facebook/www/v25.0/dialog/oauth", [
            ("client_id", SandboxHarness.clientID), ("redirect_uri", SandboxHarness.redirectURI), ("state", "s1"),
            ("scope", "ads_management"), ("decision", "cancel"),
        ])
        #expect(cancel.status == 302)
        #expect(cancel.header("Location") == SandboxHarness.redirectURI
            + "?error=access_denied&error_code=200&error_description=Permissions+error&error_reason=user_denied&state=s1")
    }

    @Test func codeErrors() throws {
        let code = try h.authorizationCode()
        // Wrong secret.
        let badSecret = try h.graphError(exchange(code: code, secret: "wrong"))
        #expect(badSecret.code == 1 && badSecret.message == "Error validating client secret." && badSecret.type == "OAuthException")
        // Unknown code.
        let unknown = try h.graphError(exchange(code: "AQnotacode"))
        #expect(unknown.code == 100 && unknown.message == "Invalid verification code format.")
        // Different redirect_uri.
        let mismatch = try h.graphError(exchange(code: code, redirect: "http://localhost:8080/oauth/callback/facebook"))
        #expect(mismatch.code == 100 && mismatch.subcode == 36008)
        #expect(mismatch.message.hasPrefix("Error validating verification code. Please make sure your redirect_uri is identical"))
        // The failed attempts did not use the code up.
        #expect(exchange(code: code).status == 200)
        // Used.
        let used = try h.graphError(exchange(code: code))
        #expect(used.code == 100 && used.subcode == 36009 && used.message == "This authorization code has been used.")
        // Expired after ten minutes.
        let late = try h.authorizationCode()
        h.advanceClock(601)
        let expired = try h.graphError(exchange(code: late))
        #expect(expired.code == 100 && expired.subcode == 36007 && expired.message == "This authorization code has expired.")
        // HTTP 400 for all of them.
        #expect(exchange(code: late).status == 400)
    }

    @Test func expiredOrRevokedShortTokenCannotBeExchanged() throws {
        let short = try h.shortUserToken()
        let revoked = try h.shortUserToken()
        #expect(h.knob("POST", "/_sandbox/facebook/tokens/revoke", #"{"token":"\#(revoked)"}"#).status == 200)
        h.advanceClock(5400)
        func exchangeLong(_ token: String) -> Response {
            h.get("/facebook/graph/v25.0/oauth/access_token", [
                ("grant_type", "fb_exchange_token"), ("client_id", SandboxHarness.clientID),
                ("client_secret", SandboxHarness.clientSecret), ("fb_exchange_token", token),
            ])
        }
        let e1 = try h.graphError(exchangeLong(short))
        #expect(e1.code == 190 && e1.subcode == 463)
        let e2 = try h.graphError(exchangeLong(revoked))
        #expect(e2.code == 190 && e2.subcode == 460)
        #expect(try h.graphError(exchangeLong("EAAnonsense")).code == 190)
    }
}
