import Core
import Foundation
import Testing

/// Every launch-refusal rule, from a snapshot (no partner needed).
@Suite struct LaunchValidationTests {
    static let account = AccountKey(.facebook, "act_1")

    static func sync(_ id: Int64, position: Int, partner: PartnerID? = .facebook, account: String? = "act_1",
                     audience: AudienceChoice? = .new(name: "Buyers", externalID: nil), action: AudienceAction = .add,
                     fields: [MatchField] = [.email]) -> CanvasStep {
        CanvasStep(id: id, canvasID: 1, position: position, kind: .audienceSync(AudienceSyncConfig(
            partner: partner, adAccountID: account, audience: audience, action: action, fields: fields)))
    }

    /// A snapshot where everything is in order for `steps`.
    static func healthy(_ steps: [CanvasStep]) -> LaunchSnapshot {
        LaunchSnapshot(steps: steps, connections: [.facebook: .valid], selectedAccounts: [.facebook: ["act_1"]],
                       liveAccounts: [account: RemoteAdAccount(externalID: "act_1", name: "Retail", currency: "USD", isActive: true, termsAccepted: true)],
                       existingAudiences: [account: ["900"]], audienceCounts: [account: 3], partnerPages: [.facebook: "/partners/facebook"],
                       termsPages: [account: "https://terms.example/1"])
    }

    func rules(_ snapshot: LaunchSnapshot) -> [LaunchRule] { LaunchValidation.problems(snapshot).map(\.rule) }

    @Test func aHealthyCanvasLaunches() {
        let steps = [Self.sync(1, position: 0), CanvasStep(id: 2, canvasID: 1, position: 1, kind: .delay(seconds: 60)),
                     Self.sync(3, position: 2, audience: .fromStep(stepID: 1), action: .remove),
                     Self.sync(4, position: 3, audience: .existing(externalID: "900", name: "Old"))]
        #expect(rules(Self.healthy(steps)) == [])
    }

    @Test func refusesEachRuleInPlainWords() {
        var snapshot = Self.healthy([])
        #expect(rules(snapshot) == [.noSteps])

        snapshot = Self.healthy([Self.sync(1, position: 0, partner: nil)])
        #expect(rules(snapshot) == [.partnerMissing])

        snapshot = Self.healthy([Self.sync(1, position: 0)])
        snapshot.connections = [:]
        #expect(rules(snapshot) == [.connectionMissing])

        snapshot = Self.healthy([Self.sync(1, position: 0)])
        snapshot.connections = [.facebook: .invalid]
        #expect(rules(snapshot) == [.connectionInvalid])

        snapshot = Self.healthy([Self.sync(1, position: 0, account: "act_2")])
        #expect(rules(snapshot) == [.adAccountNotSelected])

        snapshot = Self.healthy([Self.sync(1, position: 0)])
        snapshot.liveAccounts = [:]
        #expect(rules(snapshot) == [.adAccountInaccessible])

        snapshot = Self.healthy([Self.sync(1, position: 0)])
        snapshot.liveAccounts[Self.account] = RemoteAdAccount(externalID: "act_1", name: "Retail", currency: nil, isActive: true, termsAccepted: false)
        let terms = LaunchValidation.problems(snapshot)
        #expect(terms.map(\.rule) == [.termsNotAccepted] && terms[0].link == "https://terms.example/1")
        #expect(terms[0].message.contains("custom audience terms"))

        #expect(rules(Self.healthy([Self.sync(1, position: 0, audience: nil)])) == [.audienceMissing])
        #expect(rules(Self.healthy([Self.sync(1, position: 0, audience: .new(name: "  ", externalID: nil))])) == [.audienceNameMissing])
        #expect(rules(Self.healthy([Self.sync(1, position: 0, fields: [])])) == [.noFieldsToMatch])
        #expect(rules(Self.healthy([Self.sync(1, position: 0, audience: .existing(externalID: "gone", name: "Gone"))])) == [.removeFromMissingAudience])
        // Removing from a "new audience of an earlier step" that is later, missing, or in another account.
        #expect(rules(Self.healthy([Self.sync(1, position: 0, audience: .fromStep(stepID: 2), action: .remove), Self.sync(2, position: 1)]))
            == [.removeFromMissingAudience])
        #expect(rules(Self.healthy([Self.sync(1, position: 0, audience: .fromStep(stepID: 42), action: .remove)])) == [.removeFromMissingAudience])

        snapshot = Self.healthy([Self.sync(1, position: 0)])
        snapshot.criteriaProblems = ["groups[0][0].value: a value is needed"]
        #expect(rules(snapshot) == [.invalidEntryCriteria])
    }

    @Test func termsAreNamedAsThePartnerNamesThem() {
        let google = AccountKey(.google, "4567890123")
        var snapshot = LaunchSnapshot(steps: [Self.sync(1, position: 0, partner: .google, account: "4567890123")], connections: [.google: .valid],
                                      selectedAccounts: [.google: ["4567890123"]])
        snapshot.liveAccounts[google] = RemoteAdAccount(externalID: "4567890123", name: "Outlet", currency: nil,
                                                        facts: [AccountFacts.googleStatus("ENABLED"), AccountFacts.googleCustomerDataTerms(accepted: false)])
        let problems = LaunchValidation.problems(snapshot)
        #expect(problems.map(\.rule) == [.termsNotAccepted])
        #expect(problems.first?.message == "Step 1: ad account Outlet has not accepted Google's customer data terms. Accept them, then launch again.")
    }

    @Test func countsNewAudiencesAgainstThePartnersCap() {
        var snapshot = Self.healthy([Self.sync(1, position: 0), Self.sync(2, position: 1)])
        snapshot.audienceCounts[Self.account] = 498
        #expect(rules(snapshot) == [])
        snapshot.audienceCounts[Self.account] = 499
        let problems = LaunchValidation.problems(snapshot)
        #expect(problems.map(\.rule) == [.audienceCapReached])
        #expect(problems[0].message.contains("500") && problems[0].message.contains("499"))
        // An audience already created by an earlier, interrupted launch does not count twice.
        snapshot.steps = [Self.sync(1, position: 0, audience: .new(name: "Buyers", externalID: "777")), Self.sync(2, position: 1)]
        #expect(rules(snapshot) == [])
    }

    @Test func delaysAreDescribedAndBounded() {
        #expect(DelayUnit.describe(seconds: 7200) == "2 hours")
        #expect(DelayUnit.describe(seconds: 86_400) == "1 day")
        #expect(DelayUnit.describe(seconds: 90 * 60) == "90 minutes")
        #expect(DelayUnit.seconds(amount: "3", unit: "days") == .success(3 * 86_400))
        #expect(DelayUnit.seconds(amount: "0", unit: "hours") == .failure(FieldProblem(field: "amount", message: "Enter a whole number greater than 0.")))
        #expect(DelayUnit.seconds(amount: "31", unit: "days") == .failure(FieldProblem(field: "amount", message: "A delay can be at most 30 days.")))
        #expect(DelayUnit.seconds(amount: "1", unit: "weeks") == .failure(FieldProblem(field: "unit", message: "Choose minutes, hours or days.")))
    }
}
