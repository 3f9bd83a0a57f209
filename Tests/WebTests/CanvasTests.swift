import Core
import FastCGI
import Foundation
import Partners
import Storage
import TestSupport
import Testing

/// Building and launching canvases through the responder, against the sandbox over HTTP.
@Suite struct CanvasTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let browser: TestBrowser

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        try test.createUser(workspace: "Other", email: "admin@other.test")
        browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001", "act_1003"])
    }

    func createCanvas(_ name: String = "Retargeting") throws -> Int64 {
        browser.get("/canvases")
        return try #require(trailingID(browser.post("/canvases", [("name", name)])))
    }

    func addSyncStep(_ canvas: Int64, _ form: [(String, String)]) throws -> Int64 {
        browser.get("/canvases/\(canvas)")
        let step = try #require(trailingID(browser.post("/canvases/\(canvas)/add-step", [("kind", "audience_sync")])))
        browser.get("/canvases/\(canvas)/steps/\(step)")
        let saved = browser.post("/canvases/\(canvas)/steps/\(step)/save", form)
        #expect(saved.status == 303, "\(saved.text.prefix(2000))")
        return step
    }

    @discardableResult
    func launch(_ canvas: Int64) -> Response {
        browser.get("/canvases/\(canvas)")
        return browser.postConfirmed("/canvases/\(canvas)/launch")
    }

    @Test func createsCanvasesWithNamesAndCriteria() throws {
        browser.get("/canvases")
        let blank = browser.post("/canvases", [("name", " ")])
        #expect(blank.status == 422 && blank.text.contains("Give the canvas a name."))
        let id = try createCanvas("Lapsed buyers")
        #expect(browser.get("/canvases").text.contains("Lapsed buyers"))

        browser.get("/canvases/\(id)")
        browser.post("/canvases/\(id)/add-filter", [("attribute", "ads_tracking_enabled"), ("op", "is_true"), ("group", "new")])
        browser.get("/canvases/\(id)")
        browser.post("/canvases/\(id)/add-filter", [("attribute", "country"), ("op", "equals"), ("value", "US"), ("group", "new")])
        browser.get("/canvases/\(id)")
        browser.post("/canvases/\(id)/add-filter", [("attribute", "country"), ("op", "equals"), ("value", "CA"), ("group", "1")])
        let page = browser.get("/canvases/\(id)", query: [("edit", "criteria")]).text   // the editor is behind Edit entry criteria
        #expect(page.contains("ads_tracking_enabled is true AND (country equals US OR country equals CA)"))
        #expect(page.contains("Consent first."))

        let bad = browser.post("/canvases/\(id)/add-filter", [("attribute", "age"), ("op", "greater_than"), ("value", ""), ("group", "new")])
        #expect(bad.status == 422 && bad.text.contains("field-error"))
        browser.get("/canvases/\(id)")
        browser.postConfirmed("/canvases/\(id)/remove-filter", [("group", "1"), ("filter", "0")])
        #expect(browser.get("/canvases/\(id)").text.contains("ads_tracking_enabled is true AND country equals CA"))

        // Another workspace cannot see or change it.
        let other = test.browser()
        other.signIn("admin@other.test")
        #expect(other.get("/canvases/\(id)").status == 404)
        #expect(!other.get("/canvases").text.contains("href=\"/canvases/\(id)\""))
        #expect(other.post("/canvases/\(id)/rename", [("name", "Hijacked")]).status == 404)
    }

    @Test func theStepEditorNamesEachProblemNextToItsField() throws {
        let canvas = try createCanvas()
        browser.get("/canvases/\(canvas)")
        let step = try #require(trailingID(browser.post("/canvases/\(canvas)/add-step", [("kind", "audience_sync")])))
        let editor = browser.get("/canvases/\(canvas)/steps/\(step)").text
        #expect(editor.contains("Facebook — Demo Retail — US (act_1001)") && editor.contains("Date of birth") && editor.contains("External ID"))
        let refused = browser.post("/canvases/\(canvas)/steps/\(step)/save", [("destination", "facebook|act_1002"), ("audience_mode", "new"),
                                                                              ("audience_name", ""), ("action", "add")])
        #expect(refused.status == 422)
        for message in ["Choose one of the ad accounts selected for this workspace.", "Name the new audience.", "Choose at least one field to match."] {
            #expect(refused.text.contains(message))
        }
        // The refused form says so at its top, in the form's order, each problem linking to its field.
        let summary = try #require(refused.text.range(of: #"<div class="error-summary" role="alert" id="errors">"#))
        #expect(refused.text[summary.lowerBound...].hasPrefix(##"<div class="error-summary" role="alert" id="errors"><p>The step was not saved:</p><ul><li><a href="#destination">Choose one of the ad accounts"##))
        #expect(refused.text.range(of: "error-summary")!.lowerBound < refused.text.range(of: "action=\"/canvases/\(canvas)/steps/\(step)/save\"")!.lowerBound)
        // The editor reads in the natural order: ad account, then audience (its search beside it), action, fields.
        let order = ["id=\"destination\"", "A new audience named", "Search the ad account's audiences", "Add users to audience", "Fields to match"]
        let positions = order.compactMap { editor.range(of: $0)?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted())
        let delay = try #require(trailingID(browser.post("/canvases/\(canvas)/add-step", [("kind", "delay")])))
        browser.get("/canvases/\(canvas)/steps/\(delay)")
        #expect(browser.post("/canvases/\(canvas)/steps/\(delay)/save", [("amount", "0"), ("unit", "hours")]).text.contains("greater than 0"))
        browser.get("/canvases/\(canvas)/steps/\(delay)")
        #expect(browser.post("/canvases/\(canvas)/steps/\(delay)/save", [("amount", "2"), ("unit", "hours")]).status == 303)
        #expect(browser.get("/canvases/\(canvas)").text.contains("Wait 2 hours"))
    }

    @Test func launchCreatesNewAudiencesOnceAndLocksThePath() throws {
        let canvas = try createCanvas()
        let add = try addSyncStep(canvas, [("destination", "facebook|act_1001"), ("audience_mode", "new"), ("audience_name", "Loyal buyers"),
                                           ("action", "add"), ("field", "email"), ("field", "phone")])
        _ = try addSyncStep(canvas, [("destination", "facebook|act_1001"), ("audience_mode", "from_step"), ("source_step", String(add)),
                                     ("action", "remove"), ("field", "email")])
        #expect(browser.get("/canvases/\(canvas)").text.contains("Remove from Loyal buyers on Facebook"))

        // A launch interrupted after Facebook created the audience but before AudienceSync recorded it.
        let key = try #require(try test.store.audienceCreationKey(stepID: add))
        let token = try partner.systemUserToken()
        let client = FacebookClient(endpoints: test.config.facebook, http: test.http)
        _ = try client.createAudience(account: "act_1001", name: "Loyal buyers", marker: IdempotentAudienceCreation.marker(key), token: token)

        let launched = launch(canvas)
        #expect(launched.header("Location") == "/canvases/\(canvas)?notice=launched")
        let names = try audienceNames()
        #expect(names.filter { $0 == "Loyal buyers" }.count == 1)
        #expect(browser.get("/canvases/\(canvas)").text.contains("Active"))
        // A launched step's page says what it does instead of showing an editor whose controls would all be refused.
        let page = browser.get("/canvases/\(canvas)/steps/\(add)").text
        let audienceID = try #require(try test.store.steps(canvasID: canvas).first { $0.id == add }.flatMap { step -> String? in
            guard case .audienceSync(let config) = step.kind, case .new(_, let id) = config.audience else { return nil }
            return id
        })
        #expect(page.contains("What this step does") && page.contains("Facebook — Demo Retail — US (act_1001)"))
        #expect(page.contains("Loyal buyers (new audience, id \(audienceID))") && page.contains("Adds users to the audience"))
        #expect(page.contains("Email, Phone") && page.contains("/facebook/www/adsmanager/audiences?act=1001"))
        #expect(!page.contains(#"name="destination""#) && !page.contains("Save step"))
        #expect(page.range(of: "What this step does")!.lowerBound < page.range(of: #"id="chart""#)!.lowerBound)
        // Launching again does nothing more.
        launch(canvas)
        #expect(try audienceNames().filter { $0 == "Loyal buyers" }.count == 1)
        // The path is locked; the name is not.
        #expect(browser.post("/canvases/\(canvas)/add-step", [("kind", "delay")]).status == 409)
        browser.get("/canvases/\(canvas)")
        #expect(browser.post("/canvases/\(canvas)/rename", [("name", "Renamed")]).status == 303)
        browser.get("/canvases/\(canvas)")
        #expect(browser.postConfirmed("/canvases/\(canvas)/stop").status == 303)
        #expect(browser.get("/canvases/\(canvas)").text.contains("Stopped"))
    }

    @Test func launchIsRefusedWithWhatToFix() throws {
        let empty = try createCanvas("Empty")
        #expect(launch(empty).text.contains("Add at least one step."))

        // An account whose terms are pending is listed but cannot be chosen for a step.
        let canvas = try createCanvas("Terms")
        browser.get("/canvases/\(canvas)")
        let pending = try #require(trailingID(browser.post("/canvases/\(canvas)/add-step", [("kind", "audience_sync")])))
        let editor = browser.get("/canvases/\(canvas)/steps/\(pending)").text
        #expect(editor.contains(#"<option value="facebook|act_1003" disabled>"#))
        #expect(editor.contains("not selectable: Facebook reports custom audience terms Not accepted"))
        let chosen = browser.post("/canvases/\(canvas)/steps/\(pending)/save", [("destination", "facebook|act_1003"), ("audience_mode", "new"),
                                                                                ("audience_name", "Pending terms"), ("action", "add"), ("field", "email")])
        #expect(chosen.status == 422 && chosen.text.contains("This ad account cannot receive users: Facebook reports custom audience terms Not accepted"))
        // Terms withdrawn at Facebook after the step was saved: launch asks Facebook and refuses, with the link.
        _ = try addSyncStep(canvas, [("destination", "facebook|act_1001"), ("audience_mode", "new"), ("audience_name", "Pending terms"),
                                     ("action", "add"), ("field", "email")])
        browser.get("/canvases/\(canvas)/steps/\(pending)")
        let removal = browser.post("/canvases/\(canvas)/steps/\(pending)/remove")
        #expect(removal.status == 200 && removal.text.contains("Removing step 1 ("))
        #expect(try test.store.steps(canvasID: canvas).count == 2)
        #expect(browser.postConfirmed("/canvases/\(canvas)/steps/\(pending)/remove").status == 303)
        #expect(try test.store.steps(canvasID: canvas).count == 1)
        try partner.call("POST", "/_sandbox/facebook/adaccounts/act_1001/tos", json: #"{"accepted":false}"#)
        let refused = launch(canvas)
        try partner.call("POST", "/_sandbox/facebook/adaccounts/act_1001/tos", json: #"{"accepted":true}"#)
        #expect(refused.status == 422)
        #expect(refused.text.contains("has not accepted Facebook&#39;s custom audience terms") || refused.text.contains("has not accepted Facebook's custom audience terms"))
        #expect(refused.text.contains("/facebook/www/ads/manage/customaudiences/tos/?act=1001"))
        #expect(try audienceNames().contains("Pending terms") == false)
        #expect(browser.get("/canvases/\(canvas)").text.contains("Draft"))

        // An existing audience deleted at Facebook after it was chosen.
        let existing = try createCanvas("Existing")
        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        let audience = try #require((state?["audiences"] as? [[String: Any]])?.first { $0["name"] as? String == "Past purchasers" })
        let audienceID = String(describing: audience["id"]!)
        _ = try addSyncStep(existing, [("destination", "facebook|act_1001"), ("audience_mode", "existing"),
                                       ("existing_audience", audienceID + "|Past purchasers"), ("action", "remove"), ("field", "email")])
        try partner.call("POST", "/_sandbox/facebook/audiences/\(audienceID)/delete")
        #expect(launch(existing).text.contains("no longer exists at Facebook"))

        // The connection gone entirely.
        browser.get("/partners/facebook")
        browser.postConfirmed("/partners/facebook/disconnect")
        let gone = launch(existing)
        #expect(gone.text.contains("Facebook is not connected. Connect it first."))
    }

    private func audienceNames() throws -> [String] {
        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        return (state?["audiences"] as? [[String: Any]] ?? []).filter { ($0["deleted"] as? Bool) != true }.compactMap { $0["name"] as? String }
    }
}
