import Core
import FastCGI
import Foundation
import Storage
import Sync
import TestSupport
import Testing

/// The Segments pages and "in segment" entry criteria, through the real responder on a real SQLite file.
@Suite struct SegmentTests {
    let test: TestApp
    let browser: TestBrowser
    let key: String

    init() throws {
        test = try TestApp()
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        try test.createUser(workspace: "Other", email: "admin@other.test")
        key = try APITests.createKey(test, as: "admin@acme.test", name: "Backend")
        browser = test.browser()
        browser.signIn("admin@acme.test")
        let profiles = (0..<12).map { i in
            #"{"external_id":"u\#(i)","email":"u\#(i)@example.com","country":"\#(i % 3 == 0 ? "US" : "FR")","plan":"\#(i % 2 == 0 ? "gold" : "free")"}"#
        }
        #expect(api("/api/v1/users/track", #"{"attributes":[\#(profiles.joined(separator: ","))]}"#).0 == 201)
    }

    func api(_ path: String, _ json: String) -> (Int, [String: Any]) {
        let response = test.app.respond(to: Request(method: "POST", path: path, headers: ["authorization": "Bearer " + key, "content-type": "application/json"],
                                                    body: Array(json.utf8)))
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:])
    }

    func createSegment(_ name: String, filters: [[(String, String)]]) throws -> Int64 {
        browser.get("/segments")
        let id = try #require(trailingID(browser.post("/segments", [("name", name)])))
        for filter in filters {
            browser.get("/segments/\(id)")
            #expect(browser.post("/segments/\(id)/add-filter", filter + [("group", "new")]).status == 303)
        }
        return id
    }

    @Test func aSegmentShowsItsSizeAndASampleOfItsUsersAsTheyAreNow() throws {
        let id = try createSegment("Gold in the US", filters: [[("attribute", "country"), ("op", "equals"), ("value", "us")],
                                                                [("attribute", "plan"), ("op", "equals"), ("value", "Gold")]])
        var page = browser.get("/segments/\(id)").text
        // u0 and u6 are US and gold (every third user is US, every second gold).
        #expect(page.contains(#"<strong id="size">2 users</strong>"#))
        #expect(page.contains("country equals us AND plan equals Gold"))
        #expect(page.contains("<td>u6</td><td>u6@example.com</td><td>US</td>") && page.contains("<td>u0</td>"))
        #expect(!page.contains("<td>u3</td>"))
        // A profile change moves a user in: nothing is cached.
        #expect(api("/api/v1/users/track", #"{"attributes":[{"external_id":"u3","plan":"gold"}]}"#).0 == 201)
        page = browser.get("/segments/\(id)").text
        #expect(page.contains(#"<strong id="size">3 users</strong>"#) && page.contains("<td>u3</td>"))
        #expect(browser.get("/segments").text.contains("Gold in the US"))
        // Another workspace cannot see it.
        let outsider = test.browser()
        outsider.signIn("admin@other.test")
        #expect(outsider.get("/segments/\(id)").status == 404)
        #expect(!outsider.get("/segments").text.contains("Gold in the US"))
    }

    /// The list shows each segment's size from its last count and when that was; the engine counts a changed segment
    /// at once and an unchanged one again once its count is an hour old.
    @Test func theListShowsEachSegmentsSizeFromItsLastCount() throws {
        let clock = test.clock
        let engine = SyncEngine(store: test.store, tokenBox: test.tokenBox, connectors: test.connectors, now: { clock.now })
        func row() -> String {
            let page = browser.get("/segments").text
            return page.components(separatedBy: "<tr>").first { $0.contains(">Gold<") } ?? ""
        }
        let id = try createSegment("Gold", filters: [[("attribute", "plan"), ("op", "equals"), ("value", "gold")]])
        #expect(row().contains(#"<td class="segment-size"><strong>Counting…</strong></td>"#))
        engine.flush(force: true)
        let counted = clock.now
        #expect(row().contains(#"<td class="segment-size"><strong>6 users</strong><br><span class="detail" title="\#(UTCDate(counted).dayAndTime)">counted just now</span>"#))
        // A new gold user: the list keeps its last count (and says when it was taken) until the next one.
        #expect(api("/api/v1/users/track", #"{"attributes":[{"external_id":"g1","plan":"gold","country":"US"}]}"#).0 == 201)
        for _ in 0..<2 {   // two steps of 20 minutes: the session's idle timeout is 30
            test.clock.advance(20 * 60)
            engine.flush(force: true)
            #expect(row().contains("<strong>6 users</strong>"))
        }
        // Still the first count, and it says how old it is.
        #expect(row().contains(#"title="\#(UTCDate(counted).dayAndTime)">counted "#) && row().contains(" minutes ago</span>"))
        test.clock.advance(21 * 60)
        engine.flush(force: true)
        #expect(row().contains("<strong>7 users</strong>"))
        // New filters forget the count at once; the engine counts again.
        browser.get("/segments/\(id)")
        #expect(browser.post("/segments/\(id)/add-filter", [("attribute", "country"), ("op", "equals"), ("value", "US"), ("group", "new")]).status == 303)
        #expect(row().contains("<strong>Counting…</strong>"))
        engine.flush(force: true)
        #expect(row().contains("<strong>3 users</strong>"))   // u0, u6 and g1
    }

    @Test func badInputIsRefusedNextToTheFieldAndChangesNothing() throws {
        let id = try createSegment("Buyers", filters: [])
        browser.get("/segments")
        let duplicate = browser.post("/segments", [("name", "BUYERS")])
        #expect(duplicate.status == 422 && duplicate.text.contains("A segment with this name already exists."))
        browser.get("/segments")
        let nul = browser.post("/segments", [("name", "a\u{0}b")])      // found by the form fuzzer: it used to answer 503
        #expect(nul.status == 422 && nul.text.contains("no line breaks or other control characters"))
        browser.get("/segments/\(id)")
        let noValue = browser.post("/segments/\(id)/add-filter", [("attribute", "country"), ("op", "equals"), ("value", " "), ("group", "new")])
        #expect(noValue.status == 422 && noValue.text.contains(#"id="filter-error">Enter a value to compare with."#))
        browser.get("/segments/\(id)")
        let nested = browser.post("/segments/\(id)/add-filter", [("attribute", "segment"), ("op", "in_segment"), ("value", String(id)), ("group", "new")])
        #expect(nested.status == 422)
        browser.get("/segments/\(id)")
        let blank = browser.post("/segments/\(id)/rename", [("name", "  ")])
        #expect(blank.status == 422 && blank.text.contains("Give the segment a name."))
        let stored = try test.store.segment(workspaceID: 1, id: id)
        #expect(stored.name == "Buyers" && stored.criteria == .everyone)
    }

    @Test func aCanvasEntersOnlyUsersInItsSegmentAndTheSegmentCannotBeDeletedUnderIt() throws {
        let segment = try createSegment("US", filters: [[("attribute", "country"), ("op", "equals"), ("value", "US")]])
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", "US only")])))
        var page = browser.get("/canvases/\(canvas)", query: [("edit", "criteria")]).text   // the editor is behind Edit entry criteria
        #expect(page.contains(#"<option value="\#(segment)">US</option>"#))
        #expect(browser.post("/canvases/\(canvas)/add-filter", [("attribute", "segment"), ("op", "in_segment"), ("value", String(segment)),
                                                                 ("group", "new")]).status == 303)
        page = browser.get("/canvases/\(canvas)").text
        #expect(page.contains(#"in segment "US""#) || page.contains("in segment &quot;US&quot;"))
        browser.get("/canvases/\(canvas)")
        let step = try #require(trailingID(browser.post("/canvases/\(canvas)/add-step", [("kind", "delay")])))
        browser.get("/canvases/\(canvas)/steps/\(step)")
        #expect(browser.post("/canvases/\(canvas)/steps/\(step)/save", [("amount", "1"), ("unit", "hours")]).status == 303)
        browser.get("/canvases/\(canvas)")
        #expect(browser.postConfirmed("/canvases/\(canvas)/launch").header("Location")?.contains("launched") == true)

        let recipients = (0..<12).map { #"{"external_user_id":"u\#($0)"}"# }.joined(separator: ",")
        let (status, body) = api("/api/v1/canvas/trigger/send", #"{"canvas_id":"\#(canvas)","recipients":[\#(recipients)]}"#)
        #expect(status == 201 && body["entered"] as? Int == 4)     // u0, u3, u6, u9

        browser.get("/segments/\(segment)")
        let refused = browser.post("/segments/\(segment)/delete")
        #expect(refused.status == 409 && refused.text.contains("the entry criteria of “US only” use this segment"))
        #expect(try test.store.segments(workspaceID: 1).count == 1)
    }

    @Test func aCanvasCannotNameAnotherWorkspacesSegment() throws {
        let outsider = test.browser()
        outsider.signIn("admin@other.test")
        outsider.get("/segments")
        let theirs = try #require(trailingID(outsider.post("/segments", [("name", "Theirs")])))
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", "Sneaky")])))
        browser.get("/canvases/\(canvas)")
        let refused = browser.post("/canvases/\(canvas)/add-filter", [("attribute", "segment"), ("op", "in_segment"), ("value", String(theirs)), ("group", "new")])
        #expect(refused.status == 422 && refused.text.contains("That segment no longer exists; choose another."))
    }
}
