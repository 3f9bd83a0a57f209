import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// The Google emulator without HTTP: OAuth with PKCE, Data Manager payload checks, the ingestion quota, Ads API headers.
@Suite struct GoogleSandboxTests {
    let h: SandboxHarness
    init() throws { h = try SandboxHarness() }

    static let redirectURI = "http://127.0.0.1:8080/oauth/callback/google"
    static let verifier = String(repeating: "v", count: 50)
    static let scopes = "https://www.googleapis.com/auth/adwords https://www.googleapis.com/auth/datamanager"
    static let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"

    func authParams(scope: String = scopes, redirect: String = redirectURI) -> [(String, String)] {
        [("client_id", "sandbox-google-app"), ("redirect_uri", redirect), ("response_type", "code"), ("scope", scope),
         ("access_type", "offline"), ("state", "st"), ("code_challenge", GoogleTokens.s256(Self.verifier)), ("code_challenge_method", "S256")]
    }

    func code(scope: String = scopes) throws -> String {
        let r = h.form("POST", "/google/accounts/o/oauth2/v2/auth", authParams(scope: scope) + [("decision", "allow")])
        #expect(r.status == 302)
        let location = try #require(r.header("Location"))
        let query = FormValues(urlEncoded: Substring(location.split(separator: "?", maxSplits: 1).last ?? ""))
        return try #require(query["code"])
    }

    func exchange(_ code: String, verifier: String = verifier) -> Response {
        h.form("POST", "/google/oauth2/token", [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirectURI),
                                                ("client_id", "sandbox-google-app"), ("client_secret", "sandbox-google-secret"),
                                                ("code_verifier", verifier)])
    }

    func token(scope: String = scopes) throws -> String {
        let r = exchange(try code(scope: scope))
        return try #require(try body(r)["access_token"]?.stringValue)
    }

    func body(_ r: Response) throws -> JSON { try #require(JSON.parse(String(decoding: r.body, as: UTF8.self))) }

    func ingest(_ token: String, _ json: String, remove: Bool = false) -> Response {
        h.json("POST", "/google/datamanager/v1/audienceMembers:\(remove ? "remove" : "ingest")", json, headers: ["Authorization": "Bearer " + token])
    }

    func payload(members: String, list: String = "8800000001", extra: String = #","encoding":"HEX","termsOfService":{"customerMatchTermsOfServiceStatus":"ACCEPTED"}"#) -> String {
        #"{"destinations":[{"operatingAccount":{"accountType":"GOOGLE_ADS","accountId":"1234567890"},"productDestinationId":"\#(list)"}],"audienceMembers":\#(members)\#(extra)}"#
    }

    func reason(_ r: Response) throws -> String? {
        let details = try body(r)["error"]?["details"]?.arrayValue ?? []
        return details.compactMap { $0["fieldViolations"]?.arrayValue?.first?["reason"]?.stringValue }.first
    }

    @Test func consentPageShowsTheAppAndScopesWithAllowAndDenyButtons() throws {
        let page = h.get("/google/accounts/o/oauth2/v2/auth", authParams())
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(page.status == 200 && html.contains("AudienceSync Demo") && html.contains("auth/datamanager"))
        #expect(html.contains(#"id="allow""#) && html.contains(#"id="deny""#) && html.contains(">Allow<"))
        let wrong = h.get("/google/accounts/o/oauth2/v2/auth", authParams(redirect: "http://evil.example/cb"))
        #expect(wrong.status == 400 && wrong.header("Location") == nil)
        let denied = h.form("POST", "/google/accounts/o/oauth2/v2/auth", authParams() + [("decision", "deny")])
        #expect(denied.header("Location") == Self.redirectURI + "?error=access_denied&state=st")
    }

    @Test func pkceVerifierMustMatchTheChallenge() throws {
        let wrong = exchange(try code(), verifier: String(repeating: "w", count: 50))
        #expect(try wrong.status == 400 && (body(wrong)["error"]) == .string("invalid_grant"))
        let good = exchange(try code())
        #expect(try good.status == 200 && (body(good)["refresh_token"]?.stringValue?.hasPrefix("1//")) == true)
    }

    @Test func refreshGrantAndRevokedRefreshTokens() throws {
        let answer = try body(exchange(try code()))
        let refresh = try #require(answer["refresh_token"]?.stringValue)
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "sandbox-google-app"), ("client_secret", "sandbox-google-secret")]
        #expect(h.form("POST", "/google/oauth2/token", form).status == 200)
        _ = h.knob("POST", "/_sandbox/google/tokens/revoke", #"{"token":"\#(refresh)"}"#)
        let refused = h.form("POST", "/google/oauth2/token", form)
        #expect(try refused.status == 400 && (body(refused)["error"]) == .string("invalid_grant"))
    }

    @Test func ingestStoresMembersWithConsentAndRemoveTakesThemOut() throws {
        let token = try token()
        let member = #"[{"userData":{"userIdentifiers":[{"emailAddress":"\#(Self.mary.uppercased())"}]},"consent":{"adUserData":"CONSENT_GRANTED","adPersonalization":"CONSENT_DENIED"}}]"#
        let r = ingest(token, payload(members: member))
        #expect(try r.status == 200 && (body(r)["requestId"]?.stringValue) != nil)
        let list = try body(h.get("/_sandbox/google/audiences/8800000001"))
        #expect(list["members"] == .array([.object([("identifier", .string("email:" + Self.mary)), ("ad_user_data", .string("CONSENT_GRANTED")),
                                                     ("ad_personalization", .string("CONSENT_DENIED"))])]))
        let removal = #"[{"userData":{"userIdentifiers":[{"emailAddress":"\#(Self.mary)"}]}}]"#
        #expect(ingest(token, payload(members: removal, extra: #","encoding":"HEX""#), remove: true).status == 200)
        #expect(try body(h.get("/_sandbox/google/audiences/8800000001"))["members"] == .array([]))
    }

    @Test func payloadChecksAnswerDataManagerReasons() throws {
        let token = try token()
        func member(_ identifiers: String) -> String { #"[{"userData":{"userIdentifiers":\#(identifiers)}}]"# }
        #expect(try reason(ingest(token, payload(members: member(#"[{"emailAddress":"mary@example.com"}]"#)))) == "INVALID_HEX_ENCODING")
        #expect(try reason(ingest(token, payload(members: member(#"[{"emailAddress":"abcd"}]"#)))) == "INVALID_SHA256_FORMAT")
        let address = #"[{"address":{"givenName":"\#(Self.mary)","familyName":"\#(Self.mary)","regionCode":"us","postalCode":"94045"}}]"#
        #expect(try reason(ingest(token, payload(members: member(address)))) == "INVALID_REGION_CODE")
        let partial = #"[{"address":{"givenName":"\#(Self.mary)","regionCode":"US","postalCode":"94045"}}]"#
        #expect(try reason(ingest(token, payload(members: member(partial)))) == "REQUIRED_FIELD_MISSING")
        let good = member(#"[{"emailAddress":"\#(Self.mary)"}]"#)
        #expect(try reason(ingest(token, payload(members: good, extra: #","encoding":"HEX""#))) == "TERMS_AND_CONDITIONS_NOT_SIGNED")
        #expect(try reason(ingest(token, payload(members: good, list: "8800000002"))) == "INVALID_USER_LIST_TYPE")
        #expect(try reason(ingest(token, payload(members: good, list: "1"))) == "INVALID_USER_LIST_ID")
        let mixed = #"[{"userData":{"userIdentifiers":[{"emailAddress":"\#(Self.mary)"}]}},{"mobileData":{"mobileIds":["abc"]}}]"#
        #expect(try reason(ingest(token, payload(members: mixed))) == "MULTIPLE_DATA_TYPES_NOT_ALLOWED")
        let many = "[" + Array(repeating: #"{"userData":{"userIdentifiers":[{"emailAddress":"\#(Self.mary)"}]}}"#, count: 10_001).joined(separator: ",") + "]"
        #expect(try reason(ingest(token, payload(members: many))) == "TOO_MANY_AUDIENCE_MEMBERS")
        let withConsent = #"[{"userData":{"userIdentifiers":[{"emailAddress":"\#(Self.mary)"}]},"consent":{"adUserData":"CONSENT_GRANTED"}}]"#
        #expect(ingest(token, payload(members: withConsent, extra: #","encoding":"HEX""#), remove: true).status == 400)
        #expect(try body(h.get("/_sandbox/google/audiences/8800000001"))["members"] == .array([]))
    }

    @Test func anAdwordsOnlyTokenCannotUseDataManagerAndAdsCallsNeedTheDeveloperToken() throws {
        let adwords = try token(scope: "https://www.googleapis.com/auth/adwords")
        let r = ingest(adwords, payload(members: "[]"))
        #expect(try r.status == 403 && (body(r)["error"]?["status"]) == .string("PERMISSION_DENIED"))
        let token = try token()
        let headers = ["Authorization": "Bearer " + token]
        let missing = h.get("/google/googleads/v22/customers:listAccessibleCustomers", headers: headers)
        #expect(missing.status == 401)
        var withDev = headers
        withDev["developer-token"] = GoogleSchema.defaultDeveloperToken
        let listed = try body(h.get("/google/googleads/v22/customers:listAccessibleCustomers", headers: withDev))
        #expect(listed["resourceNames"]?.arrayValue?.count == 5)
        // The customer data terms, as GAQL reads them: accepted by the US client, not by the terms-pending one.
        let termsQuery = #"{"query":"SELECT customer.id, customer.customer_agreement_setting.accepted_customer_data_terms FROM customer"}"#
        for (customer, accepted) in [("1234567890", true), (GoogleSchema.termsPendingID, false)] {
            let row = try body(h.json("POST", "/google/googleads/v22/customers/\(customer)/googleAds:search", termsQuery, headers: withDev))
            let setting = row["results"]?.arrayValue?.first?["customer"]?["customerAgreementSetting"]
            #expect(setting?["acceptedCustomerDataTerms"]?.boolValue == accepted)
        }
        let cancelled = h.json("POST", "/google/googleads/v22/customers/3456789012/googleAds:search", #"{"query":"SELECT customer.id FROM customer"}"#,
                               headers: withDev)
        #expect(cancelled.status == 403 && String(decoding: cancelled.body, as: UTF8.self).contains("CUSTOMER_NOT_ENABLED"))
        _ = h.knob("POST", "/_sandbox/google/tokens/expire")
        #expect(h.get("/google/googleads/v22/customers:listAccessibleCustomers", headers: withDev).status == 401)
    }

    @Test func theIngestionQuotaAnswers429WithRetryAfterAndRecovers() throws {
        let token = try token()
        _ = h.knob("POST", "/_sandbox/google/config", #"{"ingestion_per_minute":2}"#)
        let good = payload(members: #"[{"userData":{"userIdentifiers":[{"emailAddress":"\#(Self.mary)"}]}}]"#)
        #expect(ingest(token, good).status == 200 && ingest(token, good).status == 200)
        let refused = ingest(token, good)
        #expect(refused.status == 429 && refused.header("Retry-After") == "60")
        #expect(try body(refused)["error"]?["status"] == .string("RESOURCE_EXHAUSTED"))
        _ = h.knob("POST", "/_sandbox/clock", #"{"advance_seconds":61}"#)
        #expect(ingest(token, good).status == 200)
        #expect(try body(h.get("/_sandbox/google/state"))["rate_limit_rejections"] == .int(1))
    }
}
