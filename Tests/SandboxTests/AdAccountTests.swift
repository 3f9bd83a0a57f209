import FastCGI
import Foundation
import Testing
@testable import Sandbox

@Suite("Ad accounts: listing, paging, reading, Custom Audience terms")
struct AdAccountTests {
    let h: SandboxHarness
    init() throws { h = try SandboxHarness() }

    @Test func seededAccountsWithRequestedFieldsOnly() throws {
        let token = try h.shortUserToken()
        let body = try h.body(h.graph("GET", "/me/adaccounts", token: token, [("fields", "name,currency,tos_accepted,business{id,name}")]))
        let data = try #require(body["data"]?.arrayValue)
        #expect(data.count == 4)
        #expect(data[0] == .object([
            ("id", .string("act_1001")), ("name", .string("Demo Retail — US")), ("currency", .string("USD")),
            ("tos_accepted", .object([("custom_audience_tos", .int(1))])),
            ("business", .object([("id", .string("300001")), ("name", .string("Demo Business"))])),
        ]))
        #expect(data[1]["currency"] == .string("EUR"))
        #expect(data[2]["name"] == .string("Demo Brand — Terms pending"))
        #expect(data[2]["tos_accepted"] == .object([]))
        #expect(data[3]["name"] == .string("Demo Outlet — Disabled"))
        #expect(body["paging"]?["next"] == nil)

        let all = try h.body(h.graph("GET", "/me/adaccounts", token: token, [
            ("fields", "id,account_id,name,account_status,currency,timezone_name,business,tos_accepted"),
        ]))
        let first = try #require(all["data"]?.arrayValue?.first)
        #expect(first["account_id"] == .string("1001") && first["account_status"] == .int(1))
        #expect(first["timezone_name"] == .string("America/Los_Angeles"))

        let unknownField = try h.graphError(h.graph("GET", "/me/adaccounts", token: token, [("fields", "id,owner_secret")]))
        #expect(unknownField.code == 100 && unknownField.message.contains("nonexisting field (owner_secret)"))
    }

    @Test func pagingVisitsEveryAccountOnceAndNextCarriesNoToken() throws {
        let added = try h.body(h.knob("POST", "/_sandbox/facebook/adaccounts", #"{"count":56}"#))
        #expect(added["ids"]?.arrayValue?.count == 56)
        let token = try h.systemUserToken()
        var seen: [String] = []
        var pages = 0
        var query: [(String, String)] = [("fields", "id,name"), ("limit", "25"),
                                         ("access_token", token), ("appsecret_proof", SandboxHarness.proof(token))]
        while true {
            let response = h.get("/facebook/graph/v25.0/me/adaccounts", query)
            #expect(response.status == 200)
            let body = try h.body(response)
            let data = try #require(body["data"]?.arrayValue)
            seen += data.compactMap { $0["id"]?.stringValue }
            pages += 1
            #expect(body["paging"]?["cursors"]?["after"]?.stringValue != nil)
            guard let next = body["paging"]?["next"]?.stringValue else { break }
            #expect(next.hasPrefix("http://127.0.0.1:8081/facebook/graph/v25.0/me/adaccounts?"))
            #expect(!next.contains(token) && !next.contains("access_token") && !next.contains("appsecret_proof"))
            // Follow the link as a client would: its own credentials added.
            let url = try #require(URLComponents(string: next))
            #expect(url.path == "/facebook/graph/v25.0/me/adaccounts")
            query = (url.queryItems ?? []).map { ($0.name, $0.value ?? "") }
                + [("access_token", token), ("appsecret_proof", SandboxHarness.proof(token))]
            #expect(pages < 10)
        }
        #expect(pages == 3)
        #expect(seen.count == 60)
        #expect(Set(seen).count == 60)
        #expect(seen.first == "act_1001" && seen.last == "act_1060")
    }

    @Test func limitDefaultsTo25AndCapsAt100() throws {
        _ = h.knob("POST", "/_sandbox/facebook/adaccounts", #"{"count":150}"#)
        let token = try h.shortUserToken()
        let byDefault = try h.body(h.graph("GET", "/me/adaccounts", token: token))
        #expect(byDefault["data"]?.arrayValue?.count == 25)
        let capped = try h.body(h.graph("GET", "/me/adaccounts", token: token, [("limit", "500")]))
        #expect(capped["data"]?.arrayValue?.count == 100)
        #expect(try h.graphError(h.graph("GET", "/me/adaccounts", token: token, [("limit", "-1")])).code == 100)
    }

    @Test func readAccountAndUnreachableAccount() throws {
        let token = try h.shortUserToken()
        let account = try h.body(h.graph("GET", "/act_1003", token: token, [("fields", "tos_accepted,name")]))
        #expect(account == .object([("id", .string("act_1003")), ("tos_accepted", .object([])), ("name", .string("Demo Brand — Terms pending"))]))
        let missing = try h.graphError(h.graph("GET", "/act_999999", token: token, [("fields", "name")]))
        #expect(missing.code == 100 && missing.subcode == 33 && missing.type == "GraphMethodException")
        #expect(missing.message.hasPrefix("Unsupported get request. Object with ID 'act_999999' does not exist, cannot be loaded due to missing permissions, or does not support this operation"))
    }

    @Test func termsPageAcceptsTerms() throws {
        let token = try h.shortUserToken()
        let before = h.get("/facebook/www/ads/manage/customaudiences/tos/", [("act", "1003")])
        #expect(before.status == 200)
        #expect(before.text.contains("Demo Brand — Terms pending"))
        #expect(before.text.contains(">Accept</button>"))
        #expect(!before.text.contains("Terms accepted"))

        let accept = h.form("POST", "/facebook/www/ads/manage/customaudiences/tos/", [("act", "1003")], query: [("act", "1003")])
        #expect(accept.status == 303)
        let location = try #require(accept.header("Location"))
        #expect(location == "http://127.0.0.1:8081/facebook/www/ads/manage/customaudiences/tos/?act=1003")

        let after = h.get("/facebook/www/ads/manage/customaudiences/tos/", [("act", "1003")])
        #expect(after.text.contains("Terms accepted"))
        #expect(!after.text.contains(">Accept</button>"))
        let account = try h.body(h.graph("GET", "/act_1003", token: token, [("fields", "tos_accepted")]))
        #expect(account["tos_accepted"] == .object([("custom_audience_tos", .int(1))]))

        #expect(h.get("/facebook/www/ads/manage/customaudiences/tos/", [("act", "424242")]).status == 404)
    }

    @Test func termsKnob() throws {
        let token = try h.shortUserToken()
        #expect(h.knob("POST", "/_sandbox/facebook/adaccounts/act_1001/tos", #"{"accepted":false}"#).status == 200)
        #expect(try h.body(h.graph("GET", "/act_1001", token: token, [("fields", "tos_accepted")]))["tos_accepted"] == .object([]))
        #expect(h.knob("POST", "/_sandbox/facebook/adaccounts/1001/tos", #"{"accepted":true}"#).status == 200)
        #expect(try h.body(h.graph("GET", "/act_1001", token: token, [("fields", "tos_accepted")]))["tos_accepted"]?["custom_audience_tos"] == .int(1))
        let bad = h.knob("POST", "/_sandbox/facebook/adaccounts/1001/tos", #"{"accepted":"yes"}"#)
        #expect(bad.status == 400)
        #expect(try h.body(bad)["errors"]?.arrayValue?.first?["field"] == .string("accepted"))
    }
}
