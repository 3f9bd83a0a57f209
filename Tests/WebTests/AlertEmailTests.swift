import Core
import FastCGI
import Foundation
import HTTPClient
import Storage
@testable import Sync
import TestSupport
import Testing

/// One fault per error class at the sandbox: what the step shows, what reached a real SMTP server, what the
/// sandbox received, and that no rate limit was exceeded.
@Suite struct AlertEmailTests {
    let flow: SyncFlowTests
    let sink: SMTPSink
    let mail: MailDelivery

    init() throws {
        flow = try SyncFlowTests()
        sink = try SMTPSink()
        let clock = flow.test.clock
        mail = MailDelivery(store: flow.test.store, transport: SMTPMailTransport(SMTPSettings(url: sink.url())),
                            sender: try MailAddress("alerts@audiencesync.test", displayName: "AudienceSync"), now: { clock.now })
    }

    var test: TestApp { flow.test }
    var engine: SyncEngine { flow.engine }

    /// Sends the outbox, then reads what the SMTP server received: (recipients, subject, decoded text).
    func delivered() throws -> [(to: [String], subject: String, text: String)] {
        mail.deliverDue()
        return try sink.messages().map { ($0.rcptTos, $0.parsed.subject ?? "", $0.parsed.text ?? "") }
    }

    /// An alert email is HTML with a plain-text part saying the same, and its link is an `<a href>` to the step's
    /// page under the configured base URL (not the engine's default one), so it opens from any mail client.
    @Test func alertEmailsAreHTMLWithAPlainTextPartAndAnAbsoluteLinkFromTheBaseURL() throws {
        var settings = SyncSettings()
        settings.baseURL = "https://dashboard.acme.test"
        let clock = test.clock
        let configured = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, settings: settings, now: { clock.now })
        try flow.partner.call("POST", "/_sandbox/facebook/audiences/\(try audienceID())/delete")
        configured.flush(force: true)
        mail.deliverDue()
        let received = try #require(try sink.messages().first)
        #expect(received.parsed.defects == [] && received.parsed.error == nil)
        #expect(received.parsed.contentType == "multipart/alternative" && received.parsed.parts == ["text/plain", "text/html"])
        let link = "https://dashboard.acme.test/canvases/\(flow.canvas)/steps/\(try flow.stepID(0))"
        #expect(received.parsed.text?.contains("Open: \(link)") == true)
        let html = try #require(received.parsed.html)
        #expect(html.contains("<p><a href=\"\(link)\">Open</a></p>"))
        #expect(html.contains("<p>Canvas “Sync”, step 1: the Facebook audience no longer exists</p>"))
    }

    func stepPage() throws -> String { flow.browser.get("/canvases/\(flow.canvas)/steps/\(try flow.stepID(0))").text }

    func noRateLimitExceeded() throws -> Bool {
        let state = try flow.partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        let accounts = state?["adaccounts"] as? [[String: Any]] ?? state?["ad_accounts"] as? [[String: Any]] ?? []
        return !accounts.isEmpty && accounts.allSatisfy { ($0["rate_limit_rejections"] as? Int) == 0 }
    }

    func audienceID() throws -> String { try #require(flow.audience()["id"] as? String) }

    @Test func aDeletedAudienceIsToldToTheLauncherOnceAndItsUsersWait() throws {
        try flow.partner.call("POST", "/_sandbox/facebook/audiences/\(try audienceID())/delete")
        engine.flush(force: true)
        #expect(try flow.figures(0)["pending"] == 3)
        #expect(try flow.test.store.pendingProblems(stepID: flow.stepID(0)).first?.errorClass == "audience_gone")
        #expect(flow.browser.get("/canvases/\(flow.canvas)").text.contains("audience"))
        test.clock.advance(15 * 60 + 1)
        engine.flush(force: true)   // re-checked, still gone: no second email
        let mails = try delivered()
        #expect(mails.count == 1)
        #expect(mails.first?.to == ["admin@acme.test"])
        #expect(mails.first?.subject.contains("the Facebook audience no longer exists") == true)
        #expect(mails.first?.text.contains("/canvases/\(flow.canvas)/steps/\(try flow.stepID(0))") == true)
        #expect(try (flow.audience()["members"] as? [String] ?? []).isEmpty)
        #expect(try noRateLimitExceeded())
    }

    @Test func termsNotAcceptedAreToldAndTheFixRescuesTheUsersWithAResolvedEmail() throws {
        try flow.partner.call("POST", "/_sandbox/facebook/adaccounts/act_1001/tos", json: #"{"accepted":false}"#)
        engine.flush(force: true)
        #expect(try flow.figures(0)["pending"] == 3)
        #expect(try delivered().map(\.subject) == ["[AudienceSync] Action needed: Canvas “Sync”, step 1: the ad account has not accepted Facebook's custom audience terms"])
        try flow.partner.call("POST", "/_sandbox/facebook/adaccounts/act_1001/tos", json: #"{"accepted":true}"#)
        test.clock.advance(15 * 60 + 1)
        engine.flush(force: true)
        #expect(try flow.figures(0)["synced"] == 3)
        #expect(try flow.audience()["members"] as? [String] == flow.hashes)
        let mails = try delivered()
        #expect(mails.count == 2 && mails[1].subject.hasPrefix("[AudienceSync] Resolved: Canvas “Sync”, step 1"))
        #expect(try noRateLimitExceeded())
    }

    @Test func lostPermissionGoesToTheConnectorAndTheChosenRecipients() throws {
        // An admin adds a recipient for integration problems on the Notification Preferences page.
        flow.browser.get("/settings/notifications")
        let refused = flow.browser.post("/settings/notifications", [("kind", "integration"), ("email", "not an address")])
        #expect(refused.status == 422 && refused.text.contains("Enter an email address"))
        #expect(flow.browser.post("/settings/notifications", [("kind", "integration"), ("email", "ops@acme.test")]).status == 303)
        #expect(flow.browser.get("/settings/notifications").text.contains("ops@acme.test"))
        try flow.partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"status":403,"error":{"code":200,"type":"OAuthException","message":"(#200) Permissions error"}}"#)
        engine.flush(force: true)
        test.clock.advance(15 * 60 + 1)
        engine.flush(force: true)
        let mails = try delivered()
        // One email each (one problem, told once), to the connector and to the chosen recipient.
        #expect(mails.count == 2 && Set(mails.map(\.subject)).count == 1)
        #expect(Set(mails.flatMap(\.to)) == ["admin@acme.test", "ops@acme.test"])
        #expect(mails.first?.subject.contains("Facebook connection: permission at Facebook was lost") == true)
        #expect(try flow.figures(0)["pending"] == 3)
        #expect(try noRateLimitExceeded())
    }

    @Test func anInvalidTokenIsToldOnceAndAReconnectClearsIt() throws {
        try flow.partner.call("POST", "/_sandbox/facebook/tokens/revoke", json: #"{"all":true}"#)
        engine.flush(force: true)
        test.clock.advance(120)
        engine.flush(force: true)
        #expect(try delivered().map(\.subject) == ["[AudienceSync] Action needed: Facebook connection: the Facebook token is invalid"])
        _ = try connectFacebook(test, flow.partner, as: "admin@acme.test", accounts: ["act_1001"])
        engine.flush(force: true)
        #expect(try flow.figures(0)["synced"] == 3)
        #expect(try delivered().map(\.subject).last == "[AudienceSync] Resolved: Facebook connection: the Facebook token is invalid")
    }

    @Test func usersErroredAtTheDeadlineAreToldAndTheOutboxShowsEveryEmail() throws {
        try flow.partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/users","share":1,"status":503}"#)
        engine.flush(force: true)
        #expect(try delivered().isEmpty)   // transient trouble alerts nobody
        test.clock.advance(13 * 3600 + 1)
        engine.flush(force: true)
        #expect(try flow.figures(0)["errored"] == 3)
        #expect(try delivered().map(\.subject) == ["[AudienceSync] Action needed: Canvas “Sync”, step 1: users could not be synced to Facebook"])
        flow.browser.signIn("admin@acme.test")
        #expect(flow.browser.get("/canvases/\(flow.canvas)").text.contains("Errored: 3 transient"))
        let outbox = flow.browser.get("/settings/outbox").text
        #expect(outbox.contains("users could not be synced to Facebook") && outbox.contains("Sent ") && outbox.contains("admin@acme.test"))
    }

    @Test func withoutAnSMTPServerEmailsWaitInTheOutboxPage() throws {
        try flow.partner.call("POST", "/_sandbox/facebook/audiences/\(try audienceID())/delete")
        engine.flush(force: true)
        let outbox = flow.browser.get("/settings/outbox").text
        #expect(outbox.contains("No SMTP server is configured") && outbox.contains("In the outbox"))
        #expect(outbox.contains("Action needed: Canvas “Sync”, step 1: the Facebook audience no longer exists"))
        let notifications = flow.browser.get("/settings/notifications").text
        #expect(notifications.contains("the Facebook audience no longer exists") && notifications.contains("Open"))
        let metrics = test.app.respond(to: Request(method: "GET", path: "/metrics", remoteAddress: "127.0.0.1")).text
        #expect(metrics.contains(#"audiencesync_open_alerts{kind="step"} 1"#) && metrics.contains(#"audiencesync_outbox_emails{state="queued"} 1"#))
    }

    @Test func anUnreachableMailServerIsTriedAgainLater() throws {
        let clock = test.clock
        let unreachable = MailDelivery(store: test.store, transport: SMTPMailTransport(SMTPSettings(url: "smtp://127.0.0.1:\(ProjectPaths.freePort())")),
                                       sender: try MailAddress("alerts@audiencesync.test"), now: { clock.now })
        try flow.partner.call("POST", "/_sandbox/facebook/audiences/\(try audienceID())/delete")
        engine.flush(force: true)
        #expect(unreachable.deliverDue() == 0)
        let failed = try #require(test.store.outbox(workspaceID: 1).first)
        #expect(failed.state == "queued" && failed.attempts == 1 && failed.lastError != nil)
        #expect(try unreachable.deliverDue() == 0 && test.store.outbox(workspaceID: 1).first?.attempts == 1)   // not before its backoff
        test.clock.advance(120)
        #expect(try delivered().count == 1)   // the working server gets it, once
        #expect(try test.store.outbox(workspaceID: 1).first?.state == "sent")
    }

    @Test func theStepShowsWhatThePartnerReports() throws {
        engine.flush(force: true)
        let page = try stepPage()
        #expect(page.contains(#"<dd id="partner-received">3</dd>"#) && page.contains(#"<dd id="partner-invalid">0</dd>"#))
        #expect(page.contains(#"<dd id="partner-size">"#) && !page.contains("not reported yet"))
    }

    @Test func membersCannotChangeWhoIsTold() throws {
        try test.createUser(workspace: "Acme", email: "member@acme.test", role: .member)
        let member = test.browser()
        member.signIn("member@acme.test")
        #expect(member.get("/settings/notifications").status == 403)
        #expect(member.get("/settings/outbox").status == 403)
    }
}
