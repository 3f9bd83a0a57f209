import Foundation
import Testing

/// The canvas page, results first: the journey drawn with the entry's and each step's figures and problem badges,
/// editing behind explicit Edit controls, and the figures JSON the page's script refreshes them from.
@Suite struct CanvasPageTests {
    /// A launched canvas (criteria: ads_tracking_enabled is true; add → delay → remove) and some users sent to it:
    /// 3 who match (one of whom the standard consent policy keeps back: do_not_sell), 2 who do not match.
    func flowWithEntries() throws -> EntryTests {
        let flow = try EntryTests()
        let recipients = [#"{"external_user_id":"m1","attributes":{"email":"m1@example.com","ads_tracking_enabled":true}}"#,
                          #"{"external_user_id":"m2","attributes":{"email":"m2@example.com","ads_tracking_enabled":true}}"#,
                          #"{"external_user_id":"dns","attributes":{"email":"dns@example.com","ads_tracking_enabled":true,"do_not_sell":true}}"#,
                          #"{"external_user_id":"n1","attributes":{"email":"n1@example.com","ads_tracking_enabled":false}}"#,
                          #"{"external_user_id":"n2","attributes":{"email":"n2@example.com"}}"#]
        let (status, body) = flow.api("/api/v1/canvas/trigger/send", #"{"canvas_id":"\#(flow.canvas)","recipients":[\#(recipients.joined(separator: ","))]}"#)
        #expect(status == 201 && body["entered"] as? Int == 3)
        return flow
    }

    @Test func theJourneyShowsTheEntryAndEachStepWithItsFiguresAndBadge() throws {
        let flow = try flowWithEntries()
        let page = flow.browser.get("/canvases/\(flow.canvas)").text
        // Results first: the journey comes before the lifecycle controls, and no editor is open.
        let journey = try #require(page.range(of: #"id="journey""#)), lifecycle = try #require(page.range(of: #"id="lifecycle""#))
        #expect(journey.lowerBound < lifecycle.lowerBound)
        #expect(page.contains(#"data-live="/canvases/\#(flow.canvas)/figures.json""#))
        #expect(page.contains(#"<script src="/static/canvas-live.js" defer></script>"#))
        // The entry: criteria as a sentence, with the workspace consent policy, and its figures.
        #expect(page.contains(#"Who may enter: <strong id="criteria-summary">ads_tracking_enabled is true</strong>"#))
        #expect(page.contains(#"id="consent-policy""#) && page.contains("do_not_sell is true"))
        #expect(page.contains(#"<div id="entry-entered"><dt>Entered</dt><dd>3</dd></div>"#))
        #expect(page.contains(#"<div id="entry-not-matched"><dt>Did not match</dt><dd>2</dd></div>"#))
        #expect(page.contains(#"<div id="entry-blocked"><dt>Blocked by consent</dt><dd>1</dd></div>"#))
        // Each step, in order, with its figures and badge.
        let titles = ["Add to Buyers on Facebook", "Wait 2 hours", "Remove from Buyers on Facebook"]
        let positions = try titles.map { try #require(page.range(of: $0)?.lowerBound, "\($0)") }
        #expect(positions == positions.sorted() && positions[0] > journey.lowerBound)
        #expect(page.contains(#"<div id="step-1-entered"><dt>Entered</dt><dd class="entered">3</dd></div>"#))
        #expect(page.contains(#"<div id="step-1-pending"><dt>Users Pending</dt><dd>2</dd></div>"#))
        #expect(page.contains(#"<div id="step-1-not-synced"><dt>Users Not Synced</dt><dd>1</dd></div>"#))
        #expect(page.contains(#"<span class="badge level-warn" id="step-1-badge">1 not synced</span>"#))
        #expect(page.contains(#"<span class="badge level-ok" id="step-2-badge">Waiting step</span>"#))
        #expect(page.contains(#"<span class="badge level-ok" id="step-3-badge">No problems</span>"#))
        #expect(page.contains("No consent (consent policy): 1 do_not_sell is true"))
        // No errored users: the retry control is not shown.
        #expect(page.contains(#"<details class="retry" id="step-1-retry" hidden>"#))
        #expect(!page.contains(#"id="step-1-retry">"#))
    }

    @Test func editingIsBehindExplicitEditControls() throws {
        let flow = try EntryTests()
        let page = flow.browser.get("/canvases/\(flow.canvas)").text
        #expect(page.contains(#"id="edit-name""#) && page.contains(#"id="edit-criteria""#))
        #expect(!page.contains(#"id="canvas-name""#) && !page.contains(#"id="entry-action""#) && !page.contains("Add filter"))
        #expect(!page.contains(#"class="auto-enter""#))
        let name = flow.browser.get("/canvases/\(flow.canvas)", query: [("edit", "name")]).text
        #expect(name.contains(#"id="canvas-name""#) && !name.contains(#"id="edit-name""#) && !name.contains(#"id="entry-action""#))
        let criteria = flow.browser.get("/canvases/\(flow.canvas)", query: [("edit", "criteria")]).text
        #expect(criteria.contains(#"id="entry-action""#) && criteria.contains("Add filter") && criteria.contains(#"id="live-edit""#))
        #expect(!criteria.contains(#"id="canvas-name""#))
        // The criteria sentence appears once (the journey's), so its id is unique.
        #expect(criteria.components(separatedBy: #"id="criteria-summary""#).count == 2)
        // A refused name keeps its form open with the message.
        let refused = flow.browser.post("/canvases/\(flow.canvas)/rename", [("name", "  ")])
        #expect(refused.status == 422 && refused.text.contains(#"id="canvas-name""#) && refused.text.contains(#"id="name-error""#))

        // A draft: steps are added, moved and removed behind Edit steps.
        flow.browser.get("/canvases")
        let draft = try #require(trailingID(flow.browser.post("/canvases", [("name", "Draft")])))
        let view = flow.browser.get("/canvases/\(draft)").text
        #expect(view.contains(#"id="edit-steps""#) && !view.contains("Add Audience Sync step") && !view.contains("Consent first."))
        let steps = flow.browser.get("/canvases/\(draft)", query: [("edit", "steps")]).text
        #expect(steps.contains("Add Audience Sync step") && steps.contains("Add Delay step"))
        #expect(flow.browser.get("/canvases/\(draft)", query: [("edit", "criteria")]).text.contains("Consent first."))
    }

    @Test func theFiguresJSONHasThePagesFiguresAndOnlyForItsWorkspace() throws {
        let flow = try flowWithEntries()
        let response = flow.browser.get("/canvases/\(flow.canvas)/figures.json")
        #expect(response.status == 200 && response.header("Content-Type")?.contains("application/json") == true)
        #expect(response.header("Cache-Control") == "no-store")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(body["canvas_id"] as? String == String(flow.canvas) && body["status"] as? String == "active")
        #expect(body["entry"] as? [String: Int] == ["entered": 3, "did_not_match": 2, "blocked_by_consent": 1])
        let steps = try #require(body["steps"] as? [[String: Any]])
        #expect(steps.count == 3 && steps[0]["entered"] as? Int == 3 && steps[0]["pending"] as? Int == 2)
        let texts = try #require(body["texts"] as? [String: String])
        #expect(texts["entry-not-matched"] == "2" && texts["entry-blocked"] == "1" && texts["step-1-pending"] == "2")
        #expect(texts["step-1-badge"] == "1 not synced")
        #expect((body["hidden"] as? [String: Bool])?["step-1-retry"] == true)
        #expect((body["classes"] as? [String: String])?["step-1-badge"] == "badge level-warn")

        // More users: the JSON follows at once (the page's script writes these into the page).
        _ = flow.api("/api/v1/canvas/trigger/send",
                     #"{"canvas_id":"\#(flow.canvas)","recipients":[{"external_user_id":"n3","attributes":{"email":"n3@example.com"}}]}"#)
        let again = try #require(try JSONSerialization.jsonObject(with: Data(flow.browser.get("/canvases/\(flow.canvas)/figures.json").body)) as? [String: Any])
        #expect((again["entry"] as? [String: Int])?["did_not_match"] == 3)

        // Another workspace's session gets 404; no session is sent to sign in.
        let other = flow.test.browser()
        other.signIn("admin@other.test")
        #expect(other.get("/canvases/\(flow.canvas)/figures.json").status == 404)
        #expect(flow.test.browser().get("/canvases/\(flow.canvas)/figures.json").status != 200)
    }

    @Test func anActionThatAsksAUserToEnterCountsThemAsDidNotMatchWhenTheyDoNot() throws {
        let flow = try EntryTests()
        flow.browser.get("/canvases/\(flow.canvas)", query: [("edit", "criteria")])
        #expect(flow.browser.postConfirmed("/canvases/\(flow.canvas)/entry-action", [("entry_action", "event"), ("entry_action_name", "viewed_pricing")])
            .status == 303)
        let now = ISO8601DateFormatter().string(from: flow.test.clock.now)
        func event(_ user: String, _ name: String) -> String { #"{"external_id":"\#(user)","name":"\#(name)","time":"\#(now)"}"# }
        let users = [#"{"external_id":"yes","email":"yes@example.com","ads_tracking_enabled":true}"#,
                     #"{"external_id":"no","email":"no@example.com","ads_tracking_enabled":false}"#,
                     #"{"external_id":"other","email":"other@example.com","ads_tracking_enabled":false}"#]
        let events = [event("yes", "viewed_pricing"), event("no", "viewed_pricing"), event("other", "signed_up")]
        #expect(flow.api("/api/v1/users/track", #"{"attributes":[\#(users.joined(separator: ","))],"events":[\#(events.joined(separator: ","))]}"#).0 == 201)
        // "yes" entered; "no" was asked to enter by the event and did not match; "other" was never asked.
        let body = try #require(try JSONSerialization.jsonObject(with: Data(flow.browser.get("/canvases/\(flow.canvas)/figures.json").body)) as? [String: Any])
        #expect(body["entry"] as? [String: Int] == ["entered": 1, "did_not_match": 1, "blocked_by_consent": 0])
        let page = flow.browser.get("/canvases/\(flow.canvas)").text
        #expect(page.contains(#"<div id="entry-not-matched"><dt>Did not match</dt><dd>1</dd></div>"#))
        #expect(page.contains(#"<span id="entry-action-summary">Users enter when they perform viewed_pricing, if they match the entry criteria.</span>"#))
    }
}
