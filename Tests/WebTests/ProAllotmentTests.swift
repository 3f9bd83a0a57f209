import Core
import FastCGI
import Foundation
import TestSupport
import Testing

/// Audience Sync Pro: one purchase allots three Pro partners for the whole installation; admins choose them.
@Suite struct ProAllotmentTests {
    let test: TestApp
    let admin: TestBrowser

    init() throws {
        test = try TestApp()
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        try test.createUser(workspace: "Acme", email: "member@acme.test", role: .member)
        admin = test.browser()
        admin.signIn("admin@acme.test")
    }

    func choose(_ partners: [String]) -> Response {
        admin.get("/partners")
        return admin.post("/partners/pro", partners.map { ("partner", $0) })
    }

    @Test func threePartnersFitOnePurchaseAndAFourthIsRefusedWithAClearMessage() throws {
        let before = admin.get("/partners").text
        #expect(before.contains(#"<strong id="pro-left">3 left</strong>"#) && before.contains("Save Pro partners"))
        #expect(choose(["tiktok", "pinterest", "snapchat"]).status == 303)
        let page = admin.get("/partners").text
        #expect(page.contains(#"<strong id="pro-used">3 used</strong>"#) && page.contains(#"<strong id="pro-left">0 left</strong>"#))
        let refused = choose(["tiktok", "pinterest", "snapchat", "criteo"])
        #expect(refused.status == 422)
        #expect(refused.text.contains("1 Audience Sync Pro purchase allots 3 Pro partners; you chose 4. Choose at most 3, or add a purchase."))
        #expect(try test.store.enabledProPartners() == [.tiktok, .pinterest, .snapchat])   // nothing half-saved
        #expect(choose(["tiktok"]).status == 303)
        #expect(try test.store.enabledProPartners() == [.tiktok])
        #expect(choose(["facebook"]).status == 422)   // a standard partner needs no allotment
    }

    @Test func aProPartnerThatIsNotEnabledCannotBeConnected() throws {
        admin.get("/partners/linkedin")
        let refused = admin.post("/partners/linkedin/connect")
        #expect(refused.status == 403 && refused.text.contains("LinkedIn is an Audience Sync Pro partner that is not enabled"))
        #expect(admin.get("/partners").text.contains("Pro partner not enabled"))
        #expect(choose(["linkedin"]).status == 303)
        admin.get("/partners/linkedin")
        #expect(admin.post("/partners/linkedin/connect").status != 403)   // enabled: past the allotment check
    }

    @Test func membersSeeTheAllotmentsButCannotChangeThem() throws {
        let member = test.browser()
        member.signIn("member@acme.test")
        let page = member.get("/partners").text
        #expect(page.contains("Audience Sync Pro") && !page.contains("Save Pro partners"))
        #expect(member.post("/partners/pro", [("partner", "tiktok")]).status == 403)
        #expect(try test.store.enabledProPartners().isEmpty)
    }
}
