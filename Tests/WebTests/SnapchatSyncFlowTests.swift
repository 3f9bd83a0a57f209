import Core
import Crypto
import FastCGI
import Foundation
import HTTPClient
import Partners
import Storage
@testable import Sync
import TestSupport
import Testing

/// Users reaching a Snapchat segment through the sync engine and leaving it again two hours later, as the e2e
/// partners test drives it: a new segment from an Add step on the first ad account, then a Remove step on it.
@Suite struct SnapchatSyncFlowTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let canvas: Int64
    let engine: SyncEngine
    let emails = ["ann@example.com", "Bob@Example.com ", "cy@example.com"]
    static let account = "8adc3db7-8148-4a2c-9c8f-000000000001"

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        browser.get("/partners")
        browser.post("/partners/pro", [("partner", "snapchat")])
        browser.get("/partners/snapchat")
        let consent = try #require(browser.post("/partners/snapchat/connect").header("Location"))
        let callback = try SnapchatConnectionTests.allow(consent, http: test.http)
        browser.get(path(of: callback), query: queryPairs(of: callback))
        browser.get("/partners/snapchat/accounts")
        browser.post("/partners/snapchat/accounts", [("account", Self.account)])
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser.get("/canvases")
        canvas = try #require(trailingID(browser.post("/canvases", [("name", "Snap sync")])))
        let destination = "snapchat|" + Self.account
        let add = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", destination), ("audience_mode", "new"),
                                                                               ("audience_name", "Snap buyers"), ("action", "add"), ("field", "email")])
        _ = try SyncFlowTests.addStep(browser, canvas, "delay", [("amount", "2"), ("unit", "hours")])
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", destination), ("audience_mode", "from_step"),
                                                                         ("source_step", String(add)), ("action", "remove"), ("field", "email")])
        browser.get("/canvases/\(canvas)")
        browser.postConfirmed("/canvases/\(canvas)/launch")
        let clock = test.clock
        engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        let recipients = emails.enumerated().map { #"{"external_user_id":"u\#($0.offset)","attributes":{"email":"\#($0.element)"}}"# }
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/canvas/trigger/send",
                                                    headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(#"{"canvas_id":"\#(canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#.utf8)))
        #expect(response.status == 201)
    }

    var hashes: [String] {
        emails.map { Hex.encode(Array(SHA256.hash(data: Array($0.trimmingCharacters(in: .whitespaces).lowercased().utf8)))) }.sorted()
    }

    /// The sandbox's log of Snapchat calls.
    func requests() throws -> [[String: Any]] {
        (try partner.call("GET", "/_sandbox/requests?partner=snapchat") as? [String: Any])?["requests"] as? [[String: Any]] ?? []
    }

    func segment() throws -> [String: Any] {
        let state = try partner.call("GET", "/_sandbox/snapchat/state") as? [String: Any]
        let id = try #require((state?["segments"] as? [[String: Any]])?.first { $0["name"] as? String == "Snap buyers" }?["id"] as? String)
        return try partner.call("GET", "/_sandbox/snapchat/audiences/\(id)") as? [String: Any] ?? [:]
    }

    @Test func addsHashedEmailsToANewSegmentThenRemovesThemAfterTheDelay() throws {
        #expect(engine.flush(force: true) == 3)
        let added = try segment()
        #expect(added["members_by_schema"] as? [String: [String]] == ["EMAIL_SHA256": hashes])
        #expect((added["description"] as? String)?.hasPrefix("Created by AudienceSync") == true && added["ad_account_id"] as? String == Self.account)
        let uploads = try requests().filter { ($0["path"] as? String)?.hasSuffix("/users") == true }
        let upload = try #require(uploads.first, "no users call")
        #expect(uploads.count == 1, "\(uploads.map { "\($0["method"] ?? "") \($0["status"] ?? "")" })")
        #expect(upload["method"] as? String == "POST" && (upload["status"] as? NSNumber)?.intValue == 200)
        let body = upload["body"] as? String ?? ""
        #expect(body.contains(#""EMAIL_SHA256""#) && !body.contains("@example.com"))

        // Two hours on the app's clock: the half-hour token is refreshed before the removal goes out.
        test.clock.advance(2 * 3600 + 1)
        try DelayAdvancer(store: test.store, now: { test.clock.now }).advanceDue()
        #expect(engine.flush(force: true) == 3)
        let removed = try segment()
        #expect(removed["member_count"] as? Int == 0 && removed["removes"] as? Int == 3)
        let calls = try requests()
        let removal = try #require(calls.last { ($0["path"] as? String)?.hasSuffix("/users") == true })
        #expect(removal["method"] as? String == "DELETE" && (removal["status"] as? NSNumber)?.intValue == 200)
        let grants = calls.filter { ($0["path"] as? String)?.hasSuffix("/access_token") == true }
            .map { FormValues(urlEncoded: Substring($0["body"] as? String ?? "")).pairs.first { $0.name == "grant_type" }?.value }
        #expect(grants == ["authorization_code", "refresh_token"])
    }
}
