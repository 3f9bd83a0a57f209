import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// `/_sandbox/accounts/health`: each partner's usability fact changed as at the partner, only to values the partner uses.
@Suite struct AccountHealthKnobTests {
    let h: SandboxHarness
    init() throws { h = try SandboxHarness() }

    private func set(_ partner: String, _ account: String, _ value: String) -> Response {
        h.knob("POST", SandboxAccountHealth.path, #"{"partner":"\#(partner)","account":"\#(account)","value":"\#(value)"}"#)
    }

    @Test func setsEachPartnersFactToItsOwnValues() throws {
        let changes = [("facebook", "act_1002", "2"), ("tiktok", "7000000000003", "STATUS_ENABLE"), ("google", "1234567890", "SUSPENDED"),
                       ("snapchat", "8adc3db7-8148-4a2c-9c8f-000000000003", "ACTIVE"), ("pinterest", "549755885003", "ADMINISTRATOR"),
                       ("criteo", "4455003", "Active"), ("linkedin", "508000003", "CAMPAIGN_MANAGER")]
        for (partner, account, value) in changes {
            let r = set(partner, account, value)
            #expect(r.status == 200, "\(partner): \(String(decoding: r.body, as: UTF8.self))")
        }
        let state = try h.body(h.knob("GET", "/_sandbox/tiktok/state"))
        let advertiser = state["advertisers"]?.arrayValue?.first { $0["advertiser_id"]?.stringValue == "7000000000003" }
        #expect(advertiser?["status"]?.stringValue == "STATUS_ENABLE")
    }

    @Test func refusesValuesThePartnerDoesNotUseUnknownAccountsAndPartners() {
        #expect(set("tiktok", "7000000000003", "ENABLED").status == 400)       // Google's word, not TikTok's
        #expect(set("linkedin", "508000003", "OWNER").status == 400)
        #expect(set("tiktok", "1", "STATUS_ENABLE").status == 400)
        #expect(set("myspace", "1", "ACTIVE").status == 400)
        #expect(h.knob("POST", SandboxAccountHealth.path, "{}").status == 400)
    }
}
