import FastCGI
import Foundation
import Testing
@testable import Sandbox

@Suite("Graph token checks, appsecret_proof and debug_token")
struct TokenTests {
    let h: SandboxHarness
    init() throws { h = try SandboxHarness() }

    @Test func appSecretProofMatchesAnIndependentVector() {
        // python3: hmac.new(b'sandbox-facebook-secret', b'EAAtesttoken', hashlib.sha256).hexdigest()
        #expect(FacebookTokens.appSecretProof(token: "EAAtesttoken", secret: "sandbox-facebook-secret")
            == "f650ac0aa3b8d716e7595224b29a93f4d14cdd08cad25f5d5a65279cd88841e8")
    }

    @Test func appSecretProofMissingWrongRight() throws {
        let token = try h.shortUserToken()
        let missing = h.graph("GET", "/me", token: token, proof: false)
        #expect(missing.status == 400)
        let e1 = try h.graphError(missing)
        #expect(e1.code == 100 && e1.type == "GraphMethodException")
        #expect(e1.message == "API calls from the server require an appsecret_proof argument")

        let wrong = h.get("/facebook/graph/v25.0/me", [("access_token", token), ("appsecret_proof", String(repeating: "0", count: 64))])
        let e2 = try h.graphError(wrong)
        #expect(e2.code == 100 && e2.message == "Invalid appsecret_proof provided in the API argument")

        #expect(h.graph("GET", "/me", token: token).status == 200)

        // With "Require App Secret" off a missing proof is fine, a wrong one still is not.
        h.setConfig(#"{"require_appsecret_proof":false}"#)
        #expect(h.graph("GET", "/me", token: token, proof: false).status == 200)
        #expect(try h.graphError(h.get("/facebook/graph/v25.0/me", [("access_token", token), ("appsecret_proof", "ab")])).code == 100)
    }

    @Test func tokenFromBearerAndOAuthHeaders() throws {
        let token = try h.shortUserToken()
        let proof = [("appsecret_proof", SandboxHarness.proof(token))]
        #expect(h.get("/facebook/graph/v25.0/me", proof, headers: ["Authorization": "Bearer \(token)"]).status == 200)
        #expect(h.get("/facebook/graph/v25.0/me", proof, headers: ["Authorization": "OAuth \(token)"]).status == 200)
    }

    @Test func tokenErrors() throws {
        let none = try h.graphError(h.get("/facebook/graph/v25.0/me"))
        #expect(none.code == 104 && none.message == "An access token is required to request this resource.")

        let unknown = try h.graphError(h.graph("GET", "/me", token: "EAAbogus"))
        #expect(unknown.code == 190 && unknown.subcode == nil)
        #expect(unknown.message == "Invalid OAuth access token - Cannot parse access token")

        let token = try h.shortUserToken()
        h.advanceClock(5400)
        let expired = try h.graphError(h.graph("GET", "/me", token: token))
        #expect(expired.code == 190 && expired.subcode == 463 && expired.type == "OAuthException")
        #expect(expired.message.hasPrefix("Error validating access token: Session has expired on "))
        #expect(expired.message.contains(". The current time is "))

        let revokedToken = try h.shortUserToken()
        #expect(h.graph("GET", "/me", token: revokedToken).status == 200)
        #expect(h.knob("POST", "/_sandbox/facebook/tokens/revoke", #"{"token":"\#(revokedToken)"}"#).status == 200)
        let revoked = try h.graphError(h.graph("GET", "/me", token: revokedToken))
        #expect(revoked.code == 190 && revoked.subcode == 460)
        #expect(revoked.message.hasPrefix("Error validating access token: The session has been invalidated"))
    }

    @Test func revokeAll() throws {
        let a = try h.shortUserToken()
        let b = try h.systemUserToken()
        let response = h.knob("POST", "/_sandbox/facebook/tokens/revoke", #"{"all":true}"#)
        #expect(try h.body(response)["revoked"] == .int(2))
        #expect(try h.graphError(h.graph("GET", "/me", token: a)).subcode == 460)
        #expect(try h.graphError(h.graph("GET", "/me", token: b)).subcode == 460)
        #expect(h.knob("POST", "/_sandbox/facebook/tokens/revoke", #"{"token":"nope"}"#).status == 400)
    }

    @Test func systemUserTokenNeverExpires() throws {
        let page = h.get("/facebook/www/business/settings/system-users")
        #expect(page.text.contains("AudienceSync System User"))
        #expect(page.text.contains("Generate new token"))
        #expect(SandboxHarness.firstMatch(#"EAA[A-Za-z0-9]{100,}"#, in: page.text) == nil)

        let generated = h.form("POST", "/facebook/www/business/settings/system-users", [])
        #expect(generated.text.contains("Copy this access token now"))
        let token = try h.systemUserToken()
        h.advanceClock(400 * 86_400)
        let me = try h.body(h.graph("GET", "/me", token: token))
        #expect(me["id"] == .string("20000001") && me["name"] == .string("AudienceSync System User"))
        // Shown once: the plain page no longer has it.
        #expect(!h.get("/facebook/www/business/settings/system-users").text.contains(token))
    }

    @Test func debugToken() throws {
        let appToken = "\(SandboxHarness.clientID)|\(SandboxHarness.clientSecret)"
        let user = try h.shortUserToken()
        let valid = try h.body(h.get("/facebook/graph/v25.0/debug_token", [("input_token", user), ("access_token", appToken)]))
        let data = try #require(valid["data"])
        #expect(data["app_id"] == .string(SandboxHarness.clientID))
        #expect(data["type"] == .string("USER"))
        #expect(data["application"] == .string("AudienceSync Demo"))
        #expect(data["is_valid"] == .bool(true))
        #expect(data["expires_at"] == .int(Int(SandboxHarness.start.timeIntervalSince1970) + 5400))
        #expect(data["user_id"] == .string("10000001"))
        #expect(data["scopes"]?.arrayValue?.contains(.string("ads_management")) == true)
        #expect(data["data_access_expires_at"]?.intValue ?? 0 > 0)

        let system = try h.systemUserToken()
        let sys = try #require(try h.body(h.get("/facebook/graph/v25.0/debug_token", [("input_token", system), ("access_token", appToken)]))["data"])
        #expect(sys["type"] == .string("SYSTEM_USER") && sys["expires_at"] == .int(0) && sys["user_id"] == .string("20000001"))

        h.advanceClock(6000)
        let expired = try #require(try h.body(h.get("/facebook/graph/v25.0/debug_token", [("input_token", user), ("access_token", appToken)]))["data"])
        #expect(expired["is_valid"] == .bool(false))
        #expect(expired["error"]?["code"] == .int(190) && expired["error"]?["subcode"] == .int(463))

        let garbage = try #require(try h.body(h.get("/facebook/graph/v25.0/debug_token", [("input_token", "EAAxyz"), ("access_token", appToken)]))["data"])
        #expect(garbage["is_valid"] == .bool(false) && garbage["error"]?["code"] == .int(190))

        let wrongApp = h.get("/facebook/graph/v25.0/debug_token", [("input_token", user), ("access_token", "\(SandboxHarness.clientID)|wrong")])
        #expect(wrongApp.status == 400)
        #expect(try h.graphError(wrongApp).code == 190)
    }

    @Test func scopesAreEnforced() throws {
        let profileOnly = try h.shortUserToken(scope: "public_profile")
        #expect(h.graph("GET", "/me", token: profileOnly).status == 200)
        #expect(try h.graphError(h.graph("GET", "/me/adaccounts", token: profileOnly)).code == 200)
        let reader = try h.shortUserToken(scope: "ads_read")
        #expect(h.graph("GET", "/act_1001/customaudiences", token: reader).status == 200)
        let create = h.graph("POST", "/act_1001/customaudiences", token: reader, [
            ("name", "x"), ("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY"),
        ])
        #expect(try h.graphError(create).code == 294)
    }

    @Test func appTokenCannotActAsAUser() throws {
        let appToken = "\(SandboxHarness.clientID)|\(SandboxHarness.clientSecret)"
        #expect(try h.graphError(h.get("/facebook/graph/v25.0/me", [("access_token", appToken)])).code == 2500)
        #expect(try h.graphError(h.get("/facebook/graph/v25.0/act_1001", [("access_token", appToken)])).subcode == 33)
    }
}
