import Core
import FastCGI
import Foundation
@testable import Sync
import TestSupport
import Testing

/// The canvas list with each canvas's figures, its status filter and its two orders, after a real sync.
@Suite struct CanvasListTests {
    let flow: SyncFlowTests

    init() throws {
        flow = try SyncFlowTests()
        flow.test.clock.advance(60)   // the draft is newer than the launched canvas
        flow.browser.get("/canvases")
        #expect(trailingID(flow.browser.post("/canvases", [("name", "Alpha draft")])) != nil)
    }

    var browser: TestBrowser { flow.browser }

    /// The list's rows as the user reads them: each cell's text, by canvas name.
    static func rows(_ page: String) -> [[String]] {
        guard let body = page.components(separatedBy: "<tbody>").dropFirst().first?.components(separatedBy: "</tbody>").first else { return [] }
        return body.components(separatedBy: "<tr>").dropFirst().map { row in
            row.components(separatedBy: "<td").dropFirst().map { cell in
                cell.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
                    .replacingOccurrences(of: #"^[^>]*>"#, with: "", options: .regularExpression)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
    }

    static func names(_ page: String) -> [String] { rows(page).map { $0.first ?? "" } }

    @Test func showsEachCanvasFiguresAfterASync() throws {
        #expect(flow.engine.flush(force: true) == 3)
        let page = browser.get("/canvases").text
        #expect(page.contains(#"<th scope="col" class="num">Entered</th>"#))
        let sync = try #require(Self.rows(page).first { $0.first == "Sync" })
        // Name, status, entered, synced, pending, errored, synced in the last 24 h.
        #expect(Array(sync.prefix(7)) == ["Sync", "Active", "3", "3", "0", "0", "3"])
        let draft = try #require(Self.rows(page).first { $0.first == "Alpha draft" })
        #expect(Array(draft.prefix(7)) == ["Alpha draft", "Draft", "0", "0", "0", "0", "0"])

        // A day later the last-24-hours figure has moved on; the all-time ones stay.
        flow.test.clock.advance(25 * 3600)
        browser.signIn("admin@acme.test")
        let later = try #require(Self.rows(browser.get("/canvases").text).first { $0.first == "Sync" })
        #expect(Array(later.prefix(7)) == ["Sync", "Active", "3", "3", "0", "0", "0"])
    }

    @Test func pendingUsersCountUntilSent() throws {
        let sync = try #require(Self.rows(browser.get("/canvases").text).first { $0.first == "Sync" })
        #expect(Array(sync.prefix(7)) == ["Sync", "Active", "3", "0", "3", "0", "0"])
    }

    @Test func filtersByStatusWithLinks() throws {
        let all = browser.get("/canvases").text
        #expect(Self.names(all) == ["Alpha draft", "Sync"])   // newest first
        #expect(all.contains(#"<a href="/canvases?status=active">Active</a>"#) && all.contains(#"<a href="/canvases" aria-current="page">All</a>"#))
        #expect(Self.names(browser.get("/canvases", query: [("status", "active")]).text) == ["Sync"])
        #expect(Self.names(browser.get("/canvases", query: [("status", "draft")]).text) == ["Alpha draft"])
        let stopped = browser.get("/canvases", query: [("status", "stopped")]).text
        #expect(Self.names(stopped).isEmpty && stopped.contains("No canvas with this status."))
        // Something unknown in the query shows everything rather than failing.
        #expect(Self.names(browser.get("/canvases", query: [("status", "paused"), ("sort", "size")]).text) == ["Alpha draft", "Sync"])
    }

    @Test func sortsByNameAndByActivityKeepingTheFilter() throws {
        flow.engine.flush(force: true)
        browser.get("/canvases")
        #expect(trailingID(browser.post("/canvases", [("name", "Zulu draft")])) != nil)
        #expect(Self.names(browser.get("/canvases", query: [("sort", "name")]).text) == ["Alpha draft", "Sync", "Zulu draft"])
        let active = browser.get("/canvases", query: [("sort", "activity")]).text
        #expect(Self.names(active).first == "Sync")
        #expect(active.contains(#"<a href="/canvases?sort=activity" aria-current="page">Synced, last 24 h</a>"#))
        let drafts = browser.get("/canvases", query: [("status", "draft"), ("sort", "name")]).text
        #expect(Self.names(drafts) == ["Alpha draft", "Zulu draft"])
        #expect(drafts.contains(#"<a href="/canvases?status=draft&amp;sort=activity">"#))   // the filter is kept across orders
    }
}
