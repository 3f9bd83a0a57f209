import Core
import Foundation
import Testing

/// Each partner's facts in its own words: which values stop syncing, and what a page says of them.
@Suite struct AccountFactsTests {
    @Test func onlyThePartnersUsableValuesLetAnAccountSync() {
        #expect(!AccountFacts.facebookStatus(1).blocksSync && !AccountFacts.facebookStatus(9).blocksSync)
        #expect([2, 3, 7, 8, 100, 101, 555].allSatisfy { AccountFacts.facebookStatus($0).blocksSync })
        #expect(AccountFacts.facebookStatus(2).value == "DISABLED" && AccountFacts.facebookStatus(555).value == "555")
        #expect(!AccountFacts.tiktokStatus("STATUS_ENABLE").blocksSync)
        #expect(["STATUS_DISABLE", "STATUS_LIMIT", "STATUS_PENDING_CONFIRM", "", "odd"].allSatisfy { AccountFacts.tiktokStatus($0).blocksSync })
        #expect(!AccountFacts.googleStatus("ENABLED").blocksSync)
        #expect(["CANCELED", "SUSPENDED", "CLOSED", AccountFacts.googleNotEnabled].allSatisfy { AccountFacts.googleStatus($0).blocksSync })
        #expect(!AccountFacts.snapchatStatus("ACTIVE").blocksSync && AccountFacts.snapchatStatus("PAUSED").blocksSync)
        #expect(!AccountFacts.criteoStatus("Active").blocksSync && AccountFacts.criteoStatus("Inactive").blocksSync)
        #expect(!AccountFacts.linkedInStatus("ACTIVE").blocksSync && AccountFacts.linkedInStatus("CANCELED").blocksSync)
        #expect(!AccountFacts.linkedInRole("CAMPAIGN_MANAGER").blocksSync && AccountFacts.linkedInRole("VIEWER").blocksSync)
    }

    @Test func pinterestPermissionsBlockOnlyWithoutAWritingOne() {
        #expect(!AccountFacts.pinterestPermissions(["analyst", "ADMINISTRATOR"]).blocksSync)
        #expect(AccountFacts.pinterestPermissions(["ANALYST", "FINANCE_MANAGER"]).blocksSync)
        let none = AccountFacts.pinterestPermissions([])
        #expect(none.blocksSync && none.value == "none")
        #expect(AccountFacts.pinterestPermissions(["analyst"]).value == "ANALYST")
    }

    @Test func termsAreTheirOwnKindAndOnlyFacebookAndGoogleHaveThem() {
        #expect(AccountFacts.facebookTerms(accepted: false).kind == .terms && AccountFacts.facebookTerms(accepted: false).blocksSync)
        #expect(AccountFacts.googleCustomerDataTerms(accepted: true).kind == .terms && !AccountFacts.googleCustomerDataTerms(accepted: true).blocksSync)
        #expect(AccountFacts.linkedInRole("VIEWER").kind == .role && AccountFacts.tiktokStatus("STATUS_DISABLE").kind == .status)
    }

    @Test func anAccountIsActiveUnlessAStatusOrRoleFactBlocksAndTermsComeFromItsTermsFact() {
        let disabled = RemoteAdAccount(externalID: "1", name: "a", currency: nil, facts: [AccountFacts.tiktokStatus("STATUS_DISABLE")])
        #expect(!disabled.isActive && disabled.termsAccepted == nil)
        let pending = RemoteAdAccount(externalID: "2", name: "b", currency: nil,
                                      facts: [AccountFacts.facebookStatus(1), AccountFacts.facebookTerms(accepted: false)])
        #expect(pending.isActive && pending.termsAccepted == false && pending.facts.blocking?.kind == .terms)
        let bare = RemoteAdAccount(externalID: "3", name: "c", currency: nil, facts: [])
        #expect(bare.isActive && bare.termsAccepted == nil && bare.facts.blocking == nil)
    }

    @Test func theReasonNamesTheFactInThePartnersWords() {
        #expect(AccountFacts.tiktokStatus("STATUS_DISABLE").reason
            == "advertiser status STATUS_DISABLE — TikTok disabled the advertiser; it refuses audiences and uploads.")
        #expect(AccountFacts.linkedInRole("VIEWER").reason.hasPrefix("your role VIEWER — "))
    }

    @Test func factsSurviveJSONAndBadJSONDoesNotDecode() throws {
        let facts = [AccountFacts.googleStatus("CANCELED"), AccountFacts.linkedInRole("VIEWER")]
        let decoded = try JSONDecoder().decode([AccountFact].self, from: JSONEncoder().encode(facts))
        #expect(decoded == facts)
        #expect((try? JSONDecoder().decode([AccountFact].self, from: Data(#"[{"kind":"mood"}]"#.utf8))) == nil)
    }
}
