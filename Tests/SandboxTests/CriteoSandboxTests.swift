import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// The Criteo emulator through `respond(to:)`: the token endpoint, the amendment payload rules, segment
/// names and deletion, the expired-token code, and the app-wide per-minute limit.
@Suite struct CriteoSandboxTests {
    let h: SandboxHarness
    static let redirect = "http://127.0.0.1:8080/oauth/callback/criteo"
    static let contactList = "/criteo/api/2026-07/marketing-solutions/audience-segments/8800001/contact-list"
    static let hash = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"

    init() throws { h = try SandboxHarness() }

    private func token() throws -> String {
        let consent = h.form("POST", "/criteo/consent/oauth2/authorize", [("client_id", "sandbox-criteo-app"), ("redirect_uri", Self.redirect),
                                                                          ("response_type", "code"), ("state", "s"), ("decision", "allow")])
        #expect(consent.status == 302)
        let location = try #require(consent.header("Location"))
        let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
        let r = h.form("POST", "/criteo/api/oauth2/token", [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect),
                                                            ("client_id", "sandbox-criteo-app"), ("client_secret", "sandbox-criteo-secret")])
        #expect(r.status == 200)
        #expect(try h.body(r)["expires_in"]?.intValue == 900)
        return try #require(h.body(r)["access_token"]?.stringValue)
    }

    private func amend(_ t: String, _ attributes: String, type: String = "ContactlistAmendment") -> Response {
        h.json("PATCH", Self.contactList, #"{"data":{"type":"\#(type)","attributes":{\#(attributes)}}}"#, headers: ["Authorization": "Bearer " + t])
    }

    private func code(_ r: Response) throws -> String? { try h.body(r)["errors"]?.arrayValue?.first?["code"]?.stringValue }

    @Test func amendmentsAreCheckedAndInvalidIdentifiersCounted() throws {
        let t = try token()
        let ok = amend(t, #""operation":"add","identifierType":"email","identifiers":["\#(Self.hash)","mary@example.com","\#(Self.hash.uppercased())"]"#)
        #expect(ok.status == 200)
        let result = try h.body(ok)["data"]?["attributes"]
        #expect(result?["nbValidIdentifiers"]?.intValue == 2 && result?["nbInvalidIdentifiers"]?.intValue == 1)
        #expect(result?["sampleInvalidIdentifiers"]?.arrayValue?.first?.stringValue == Self.hash.uppercased())
        for (attributes, type) in [(#""operation":"upsert","identifierType":"email","identifiers":["a@b.co"]"#, "ContactlistAmendment"),
                                   (#""operation":"add","identifierType":"phone","identifiers":["a@b.co"]"#, "ContactlistAmendment"),
                                   (#""operation":"add","identifierType":"customerid","identifiers":["1"]"#, "ContactlistAmendment"),
                                   (#""operation":"add","identifierType":"gum","identifiers":["1"]"#, "ContactlistAmendment"),
                                   (#""operation":"add","identifierType":"email","identifiers":[]"#, "ContactlistAmendment"),
                                   (#""operation":"add","identifierType":"email","identifiers":["a@b.co"]"#, "Contactlist")] {
            let r = amend(t, attributes, type: type)
            #expect(r.status == 400, "\(attributes)")
            #expect(try code(r) == "invalid-request")
        }
        #expect(h.knob("POST", "/_sandbox/criteo/config", #"{"max_identifiers":1}"#).status == 200)
        #expect(amend(t, #""operation":"add","identifierType":"email","identifiers":["a@b.co","c@d.co"]"#).status == 400)
        let state = try h.body(h.get("/_sandbox/criteo/audiences/8800001"))
        #expect(state["member_count"]?.intValue == 2 && state["amendments"]?.intValue == 1)
    }

    @Test func segmentNamesAreUniqueAndDeletedSegmentsAreInvalid() throws {
        let t = try token()
        let auth = ["Authorization": "Bearer " + t]
        let body = #"{"data":[{"attributes":{"advertiserId":"4455001","name":"Newsletter subscribers","description":"d","contactList":{}}}]}"#
        let duplicate = h.json("POST", "/criteo/api/2026-07/marketing-solutions/audience-segments/create", body, headers: auth)
        #expect(duplicate.status == 400)
        #expect(try code(duplicate) == "name-must-be-unique")
        let foreign = h.json("POST", "/criteo/api/2026-07/marketing-solutions/audience-segments/create",
                             #"{"data":[{"attributes":{"advertiserId":"4455009","name":"x","contactList":{}}}]}"#, headers: auth)
        #expect(foreign.status == 403)
        let deleted = h.json("POST", "/criteo/api/2026-07/marketing-solutions/audience-segments/delete", #"{"data":[{"id":"8800001"}]}"#, headers: auth)
        #expect(deleted.status == 200)
        let gone = amend(t, #""operation":"add","identifierType":"email","identifiers":["a@b.co"]"#)
        #expect(gone.status == 404)
        #expect(try code(gone) == "audience-invalid")
    }

    @Test func anAdvertiserHoldsAtMostAThousandSegments() throws {
        let t = try token()
        let auth = ["Authorization": "Bearer " + t]
        #expect(h.knob("POST", "/_sandbox/criteo/config", #"{"calls_per_minute":5000}"#).status == 200)
        let items = (1...999).map { #"{"attributes":{"advertiserId":"4455002","name":"S\#($0)","contactList":{}}}"# }.joined(separator: ",")
        let bulk = h.json("POST", "/criteo/api/2026-07/marketing-solutions/audience-segments/create", #"{"data":[\#(items)]}"#, headers: auth)
        #expect(bulk.status == 200)
        let one = #"{"data":[{"attributes":{"advertiserId":"4455002","name":"S1000","contactList":{}}}]}"#
        let last = h.json("POST", "/criteo/api/2026-07/marketing-solutions/audience-segments/create", one, headers: auth)
        #expect(last.status == 200)
        let over = h.json("POST", "/criteo/api/2026-07/marketing-solutions/audience-segments/create", one.replacingOccurrences(of: "S1000", with: "S1001"), headers: auth)
        #expect(over.status == 400)
        #expect(try code(over) == "audience-segment-limit-reached")
        // Search pages by limit and offset.
        let search = #"{"data":{"attributes":{"audienceSegmentTypes":["ContactList"],"advertiserIds":["4455002"]}}}"#
        let page = try h.body(h.json("POST", "/criteo/api/2026-07/marketing-solutions/audience-segments/search", search,
                                     query: [("limit", "100"), ("offset", "900")], headers: auth))
        #expect(page["data"]?.arrayValue?.count == 100 && page["meta"]?["totalItems"]?.intValue == 1000)
    }

    @Test func expiredAndUnknownTokensHaveTheirOwnCodes() throws {
        let t = try token()
        #expect(h.knob("POST", "/_sandbox/criteo/tokens/expire").status == 200)
        let expired = h.get("/criteo/api/2026-07/advertisers/me", headers: ["Authorization": "Bearer " + t])
        #expect(expired.status == 401)
        #expect(try code(expired) == "authorization-token-expired")
        let unknown = h.get("/criteo/api/2026-07/advertisers/me", headers: ["Authorization": "Bearer nope"])
        #expect(try code(unknown) == "authorization-token-invalid")
    }

    @Test func callsAreLimitedPerMinuteForTheAppAndRecover() throws {
        let t = try token()
        #expect(h.knob("POST", "/_sandbox/criteo/config", #"{"calls_per_minute":3}"#).status == 200)
        for _ in 0..<3 { #expect(h.get("/criteo/api/2026-07/advertisers/me", headers: ["Authorization": "Bearer " + t]).status == 200) }
        let limited = h.get("/criteo/api/2026-07/advertisers/me", headers: ["Authorization": "Bearer " + t])
        #expect(limited.status == 429 && limited.header("x-ratelimit-reset") == "60" && limited.header("x-ratelimit-limit") == "3")
        #expect(try code(limited) == "too-many-requests")
        #expect(h.knob("POST", "/_sandbox/clock", #"{"advance_seconds":61}"#).status == 200)
        #expect(h.get("/criteo/api/2026-07/advertisers/me", headers: ["Authorization": "Bearer " + t]).status == 200)
    }
}
