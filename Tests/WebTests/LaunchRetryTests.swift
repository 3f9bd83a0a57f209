import Core
import FastCGI
import Foundation
import TestSupport
import Testing

/// Launch waits out a partner's brief throttle on audience creation instead of refusing, and refuses a long one.
@Suite struct LaunchRetryTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let browser: TestBrowser

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        browser = try connectFacebook(test, partner, as: "admin@acme.test", accounts: ["act_1001"])
    }

    func canvasReadyToLaunch(_ name: String) throws -> Int64 {
        browser.get("/canvases")
        let canvas = try #require(trailingID(browser.post("/canvases", [("name", name)])))
        _ = try SyncFlowTests.addStep(browser, canvas, "audience_sync", [("destination", "facebook|act_1001"), ("audience_mode", "new"),
                                                                         ("audience_name", name), ("action", "add"), ("field", "email")])
        browser.get("/canvases/\(canvas)")
        return canvas
    }

    func throttleCreation(retryAfter: Int) throws {
        let fault = #"{"partner":"facebook","path_contains":"/customaudiences","method":"POST","share":1.0,"count":1,"status":400,"retry_after":\#(retryAfter),"#
            + #""error":{"message":"(#80003) There have been too many calls to this ad-account.","type":"OAuthException","code":80003,"error_subcode":2446079}}"#
        _ = try partner.call("POST", "/_sandbox/faults", json: fault)
    }

    @Test func aOneSecondThrottleIsWaitedOutAndTheAudienceCreatedOnce() throws {
        let canvas = try canvasReadyToLaunch("Patient buyers")
        try throttleCreation(retryAfter: 1)
        #expect(browser.postConfirmed("/canvases/\(canvas)/launch").header("Location")?.contains("launched") == true)
        let state = try partner.call("GET", "/_sandbox/facebook/state") as? [String: Any]
        #expect((state?["audiences"] as? [[String: Any]])?.filter { $0["name"] as? String == "Patient buyers" }.count == 1)
    }

    @Test func aLongThrottleRefusesTheLaunchWithThePartnersWords() throws {
        let canvas = try canvasReadyToLaunch("Impatient buyers")
        try throttleCreation(retryAfter: 3600)
        let refused = browser.postConfirmed("/canvases/\(canvas)/launch")
        #expect(refused.status == 422 && refused.text.contains("too many calls"))
    }
}
