import Core
import FastCGI
import Foundation
import Storage
import TestSupport
import Testing

/// Destructive and costly actions answer a confirmation page first that says what will happen, change nothing
/// until it is confirmed, and change nothing on Cancel; live canvases keep their consent conditions unless an
/// admin confirms; no destination is chosen in advance.
@Suite struct ConfirmationTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let browser: TestBrowser

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        try test.createUser(workspace: "Acme", email: "member@acme.test", role: .member)
        browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001", "act_1003"])
    }

    /// A canvas requiring ad tracking, with one Add step to a new Facebook audience; launched unless `launch` is false.
    func canvas(_ name: String, launch: Bool = true) throws -> Int64 {
        browser.get("/canvases")
        let id = try #require(trailingID(browser.post("/canvases", [("name", name)])))
        browser.get("/canvases/\(id)")
        browser.post("/canvases/\(id)/add-filter", [("attribute", "ads_tracking_enabled"), ("op", "is_true"), ("group", "new")])
        browser.get("/canvases/\(id)")
        let step = try #require(trailingID(browser.post("/canvases/\(id)/add-step", [("kind", "audience_sync")])))
        browser.get("/canvases/\(id)/steps/\(step)")
        let saved = browser.post("/canvases/\(id)/steps/\(step)/save", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                                        ("audience_name", "\(name) audience"), ("action", "add"), ("field", "email")])
        #expect(saved.status == 303)
        if launch {
            browser.get("/canvases/\(id)")
            #expect(browser.postConfirmed("/canvases/\(id)/launch").header("Location")?.contains("launched") == true)
        }
        return id
    }

    func criteria(_ id: Int64) throws -> String { try test.store.canvas(workspaceID: 1, id: id).entryCriteriaJSON }

    func audienceNames() throws -> [String] {
        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        return (state?["audiences"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// The confirmation page's effect sentence, unescaped.
    func effect(_ response: Response) -> String {
        guard let start = response.text.range(of: #"<p id="confirmation-effect">"#),
              let end = response.text.range(of: "</p>", range: start.upperBound..<response.text.endIndex) else { return "" }
        return TestBrowser.unescape(String(response.text[start.upperBound..<end.lowerBound]))
    }

    @Test func launchAsksFirstSaysWhatItCreatesAndCancelChangesNothing() throws {
        let id = try canvas("Buyers", launch: false)
        browser.get("/canvases/\(id)")
        let asked = browser.post("/canvases/\(id)/launch")
        #expect(asked.status == 200)
        #expect(effect(asked) == "Launch creates 1 audience at Facebook and starts sending users to Facebook.")
        #expect(asked.text.contains(#"<a class="button" id="confirm-cancel" href="/canvases/\#(id)">Cancel</a>"#))
        #expect(asked.text.contains(#"<input type="hidden" name="confirmed" value="1">"#))
        // Cancel is a link back: following it changes nothing.
        #expect(browser.get("/canvases/\(id)").text.contains("Draft"))
        #expect(try test.store.canvas(workspaceID: 1, id: id).status == .draft)
        #expect(try !audienceNames().contains("Buyers audience"))

        #expect(browser.postConfirmed("/canvases/\(id)/launch").header("Location")?.contains("launched") == true)
        #expect(try test.store.canvas(workspaceID: 1, id: id).status == .active)
        #expect(try audienceNames().contains("Buyers audience"))
    }

    @Test func stopAndDeleteDraftAskFirst() throws {
        let live = try canvas("Live")
        browser.get("/canvases/\(live)")
        let stop = browser.post("/canvases/\(live)/stop")
        #expect(stop.status == 200 && effect(stop).hasPrefix("Stopping “Live” lets no new user enter it."))
        #expect(try test.store.canvas(workspaceID: 1, id: live).status == .active)
        #expect(browser.postConfirmed("/canvases/\(live)/stop").status == 303)
        #expect(try test.store.canvas(workspaceID: 1, id: live).status == .stopped)

        // Resuming starts sending again, and turning automatic entry on for a launched canvas sends whoever comes to match.
        browser.get("/canvases/\(live)")
        let resume = browser.post("/canvases/\(live)/resume")
        #expect(effect(resume) == "Resuming “Live” lets users who match its entry criteria enter again and be sent to Facebook.")
        #expect(try test.store.canvas(workspaceID: 1, id: live).status == .stopped)
        #expect(browser.postConfirmed("/canvases/\(live)/resume").status == 303)
        #expect(try test.store.canvas(workspaceID: 1, id: live).status == .active)
        browser.get("/canvases/\(live)")
        let auto = browser.post("/canvases/\(live)/auto-enter", [("auto_enter", "on")])
        #expect(effect(auto).hasPrefix("With automatic entry on, every user whom /users/track makes match the entry criteria"))
        #expect(try !test.store.canvas(workspaceID: 1, id: live).autoEnter)
        #expect(browser.postConfirmed("/canvases/\(live)/auto-enter", [("auto_enter", "on")]).status == 303)
        #expect(try test.store.canvas(workspaceID: 1, id: live).autoEnter)

        let draft = try canvas("Draft", launch: false)
        browser.get("/canvases/\(draft)")
        let delete = browser.post("/canvases/\(draft)/delete")
        #expect(delete.status == 200 && effect(delete).contains("removes it, its entry criteria and its 1 step"))
        #expect(browser.get("/canvases/\(draft)").status == 200)
        #expect(browser.postConfirmed("/canvases/\(draft)/delete").header("Location") == "/canvases")
        #expect(browser.get("/canvases/\(draft)").status == 404)
    }

    @Test func theConsentConditionOfALiveCanvasNeedsAnAdminAndAConfirmation() throws {
        let id = try canvas("Consenting")
        let before = try criteria(id)
        // Read-only until the explicit edit view is opened.
        let page = browser.get("/canvases/\(id)").text
        #expect(page.contains(#"id="edit-criteria""#) && !page.contains("Remove ads_tracking_enabled is true"))
        #expect(browser.get("/canvases/\(id)", query: [("edit", "criteria")]).text.contains("Remove ads_tracking_enabled is true"))

        // A member is refused, confirmed or not, and nothing changes.
        let member = test.browser()
        member.signIn("member@acme.test")
        member.get("/canvases/\(id)", query: [("edit", "criteria")])
        for form in [[("group", "0"), ("filter", "0")], [("group", "0"), ("filter", "0"), ("confirmed", "1")]] {
            let refused = member.post("/canvases/\(id)/remove-filter", form)
            #expect(refused.status == 403)
            #expect(refused.text.contains("Only a workspace admin can remove the consent condition “ads_tracking_enabled is true” of the live canvas"))
        }
        // Nor may a member add an alternative that lets users in without consent.
        let loosened = member.post("/canvases/\(id)/add-filter", [("attribute", "country"), ("op", "equals"), ("value", "US"), ("group", "0")])
        #expect(loosened.status == 403)
        #expect(try criteria(id) == before)

        // An admin is told the effect first.
        browser.get("/canvases/\(id)", query: [("edit", "criteria")])
        let asked = browser.post("/canvases/\(id)/remove-filter", [("group", "0"), ("filter", "0")])
        #expect(asked.status == 200)
        #expect(effect(asked).hasPrefix("Removing the consent condition “ads_tracking_enabled is true” from the live canvas “Consenting” "
            + "lets users who did not give this consent (“Allowed ad tracking”) enter it and be sent to Facebook."))
        #expect(asked.text.contains("Who may enter after this: Everyone."))
        #expect(asked.text.contains(#"href="/canvases/\#(id)?edit=criteria">Cancel</a>"#))
        #expect(try criteria(id) == before)

        let done = browser.postConfirmed("/canvases/\(id)/remove-filter", [("group", "0"), ("filter", "0")])
        #expect(done.header("Location") == "/canvases/\(id)?edit=criteria")
        #expect(try EntryCriteria(jsonText: criteria(id)) == EntryCriteria.everyone)
    }

    @Test func removingASegmentFilterSaysWhoComesInAndWhichLiveCanvasesUseIt() throws {
        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        let users = (0..<5).map { #"{"external_id":"s\#($0)","plan":"\#($0 < 2 ? "gold" : "free")"}"# }.joined(separator: ",")
        let tracked = test.app.respond(to: Request(method: "POST", path: "/api/v1/users/track",
                                                   headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                   body: Array(#"{"attributes":[\#(users)]}"#.utf8)))
        #expect(tracked.status == 201)
        browser.get("/segments")
        let segment = try #require(trailingID(browser.post("/segments", [("name", "Gold")])))
        browser.get("/segments/\(segment)")
        browser.post("/segments/\(segment)/add-filter", [("attribute", "plan"), ("op", "equals"), ("value", "gold"), ("group", "new")])
        let id = try canvas("Gold buyers", launch: false)
        browser.get("/canvases/\(id)")
        browser.post("/canvases/\(id)/add-filter", [("attribute", "segment"), ("op", "in_segment"), ("value", String(segment)), ("group", "new")])
        browser.get("/canvases/\(id)")
        #expect(browser.postConfirmed("/canvases/\(id)/launch").header("Location")?.contains("launched") == true)

        browser.get("/segments/\(segment)")
        let asked = browser.post("/segments/\(segment)/remove-filter", [("group", "0"), ("filter", "0")])
        #expect(effect(asked) == "Removing “plan equals gold” from the segment “Gold” lets users who do not match it into the segment.")
        #expect(asked.text.contains("2 users are in it now; 5 would be after."))
        #expect(asked.text.contains("apply the change to new entries at once: “Gold buyers”"))
        #expect(try test.store.segment(workspaceID: 1, id: segment).criteria?.filterCount == 1)
        #expect(browser.postConfirmed("/segments/\(segment)/remove-filter", [("group", "0"), ("filter", "0")]).status == 303)
        #expect(try test.store.segment(workspaceID: 1, id: segment).criteria?.filterCount == 0)

        // Deleting a segment no canvas uses asks first.
        browser.get("/segments")
        let unused = try #require(trailingID(browser.post("/segments", [("name", "Unused")])))
        browser.get("/segments/\(unused)")
        let delete = browser.post("/segments/\(unused)/delete")
        #expect(effect(delete).hasPrefix("Deleting “Unused” removes the segment and its filters."))
        #expect(browser.get("/segments/\(unused)").status == 200)
        #expect(browser.postConfirmed("/segments/\(unused)/delete").header("Location") == "/segments")
        #expect(browser.get("/segments/\(unused)").status == 404)
    }

    @Test func disconnectRemoveAccountAndRevokeKeyAskFirst() throws {
        let id = try canvas("Sending")
        browser.get("/partners/facebook")
        let disconnect = browser.post("/partners/facebook/disconnect")
        #expect(effect(disconnect) == "Disconnecting Facebook deletes its token and its 2 chosen ad accounts from AudienceSync. "
            + "Nothing more is sent to Facebook until it is connected again.")
        #expect(disconnect.text.contains("“Sending”"))
        #expect(try test.store.connection(workspaceID: 1, partner: .facebook) != nil)

        let connection = try #require(try test.store.connection(workspaceID: 1, partner: .facebook))
        let account = try #require(try test.store.adAccounts(connectionID: connection.id).first { $0.externalID == "act_1001" })
        browser.get("/partners/facebook")
        let remove = browser.post("/partners/facebook/accounts/\(account.id)/remove")
        #expect(remove.status == 200 && effect(remove).hasPrefix("Removing Demo Retail — US (act_1001) stops this workspace syncing to it"))
        #expect(try test.store.adAccounts(connectionID: account.connectionID).contains { $0.id == account.id })

        let key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        let keyID = try #require(try test.store.apiKeys(workspaceID: 1).first?.id)
        browser.get("/settings/api-keys")
        let revoke = browser.post("/settings/api-keys/\(keyID)/revoke")
        #expect(revoke.status == 200 && effect(revoke).contains("is refused from the moment you confirm"))
        #expect(try test.store.workspaceID(apiKeyHash: SecureToken.digest(key)) == 1)
        _ = id
    }

    @Test func theExportFormChoosesNothingAndListsUnusableAccountsDisabled() throws {
        browser.get("/segments")
        let segment = try #require(trailingID(browser.post("/segments", [("name", "All")])))
        let form = browser.get("/segments/\(segment)/export").text
        #expect(form.contains(#"<option value="">Choose an ad account…</option>"#))
        #expect(!form.contains(" selected"))
        #expect(!form.contains(" checked"))
        #expect(form.contains(#"<option value="act_1003" disabled>"#) && form.contains("not selectable: Facebook reports custom audience terms Not accepted"))

        let refused = browser.post("/segments/\(segment)/export", [("ad_account", "act_1003"), ("field", "email"), ("name_email", "Pending")])
        #expect(refused.status == 422 && refused.text.contains("This ad account cannot receive an export: Facebook reports custom audience terms Not accepted"))

        // A valid form is confirmed first, naming what leaves for where; the confirmation re-posts both fields.
        let fields = [("ad_account", "act_1001"), ("field", "email"), ("field", "phone"), ("name_email", "All emails"), ("name_phone", "All phones")]
        let asked = browser.post("/segments/\(segment)/export", fields)
        #expect(effect(asked) == "Export sends up to 0 users' hashed phone numbers and up to 0 users' hashed emails to the Facebook ad account "
            + "Demo Retail — US (act_1001), creating 2 new audiences there.")
        #expect(TestBrowser.confirmFormFields(asked.text)?.filter { $0.0 == "field" }.map(\.1) == ["email", "phone"])
        #expect(try test.store.exports(workspaceID: 1, segmentID: segment).isEmpty)
        #expect(browser.postConfirmed("/segments/\(segment)/export", fields).status == 303)
        #expect(try test.store.exports(workspaceID: 1, segmentID: segment).count == 1)
    }
}

/// An ad account the partner reports unusable is marked, cannot be chosen, and is not launched to (TikTok's sandbox seeds
/// a disabled advertiser; the sandbox's health knob turns it on and off as TikTok would).
@Suite struct InactiveAccountLaunchTests {
    static let reason = "TikTok reports advertiser status STATUS_DISABLE — TikTok disabled the advertiser; it refuses audiences and uploads."

    @Test func aDisabledAdvertiserIsMarkedRefusedByTheEditorAndByLaunch() throws {
        let sandbox = try SandboxStack()
        let partner = SandboxClient(url: sandbox.url)
        let test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        let browser = try connectTikTok(test, as: "admin@acme.test", accounts: ["7000000000001", "7000000000003"])
        let page = browser.get("/partners/tiktok").text
        #expect(page.contains("Cannot be synced to: " + Self.reason) && !page.contains("Unknown"))
        // The overview names it among what needs action.
        let overview = browser.get("/overview").text
        #expect(overview.contains("TikTok advertiser Demo Shop — Disabled: cannot be synced to") && overview.contains("1 ad account(s) need attention"))
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", "Disabled")])))
        let form: [(String, String)] = [("destination", "tiktok|7000000000003"), ("audience_mode", "new"), ("audience_name", "Never created"),
                                        ("action", "add"), ("field", "email")]
        // The editor offers it disabled, and refuses it when posted anyway.
        let step = try #require(trailingID(browser.post("/canvases/\(canvas)/add-step", [("kind", "audience_sync")])))
        let editor = browser.get("/canvases/\(canvas)/steps/\(step)").text
        #expect(editor.contains(#"value="tiktok|7000000000003" disabled>TikTok — Demo Shop — Disabled (7000000000003) — not selectable: "# + Self.reason))
        #expect(browser.post("/canvases/\(canvas)/steps/\(step)/save", form).status != 303)

        // Chosen while TikTok enabled it, then disabled at TikTok: launch asks TikTok and refuses with its reason.
        try partner.call("POST", "/_sandbox/accounts/health", json: #"{"partner":"tiktok","account":"7000000000003","value":"STATUS_ENABLE"}"#)
        browser.get("/partners/tiktok")
        browser.post("/partners/tiktok/check")
        browser.get("/canvases/\(canvas)/steps/\(step)")
        #expect(browser.post("/canvases/\(canvas)/steps/\(step)/save", form).status == 303)
        try partner.call("POST", "/_sandbox/accounts/health", json: #"{"partner":"tiktok","account":"7000000000003","value":"STATUS_DISABLE"}"#)
        browser.get("/canvases/\(canvas)")
        let refused = browser.postConfirmed("/canvases/\(canvas)/launch")
        #expect(refused.status == 422)
        #expect(refused.text.contains("Step 1: the advertiser Demo Shop — Disabled cannot receive users: " + Self.reason))
        #expect(try test.store.canvas(workspaceID: 1, id: canvas).status == .draft)
    }
}
