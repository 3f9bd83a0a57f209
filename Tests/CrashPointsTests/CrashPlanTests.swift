import CrashPoints
import Testing

@Suite struct CrashPlanTests {
    @Test func aBarePhaseCrashesTheFirstTimeItIsReached() {
        let plan = CrashPlan("claim")
        #expect(plan?.phase == .claim && plan?.countdown == 1)
        #expect(plan?.fires(reached: 1, draw: 0.99) == true)
        #expect(plan?.fires(reached: 2, draw: 0) == false)
    }

    @Test func aProbabilityCrashesOnThatShareOfArrivals() {
        let plan = CrashPlan("after-partner-answered:0.25")
        #expect(plan?.phase == .afterPartnerAnswered && plan?.probability == 0.25 && plan?.countdown == nil)
        #expect(plan?.fires(reached: 7, draw: 0.2) == true)
        #expect(plan?.fires(reached: 1, draw: 0.25) == false)
        #expect(CrashPlan("csv-import:0")?.fires(reached: 1, draw: 0) == false)
    }

    @Test func aCountdownCrashesOnTheNthArrival() {
        let plan = CrashPlan("token-refresh@3")
        #expect(plan?.fires(reached: 2, draw: 0) == false)
        #expect(plan?.fires(reached: 3, draw: 0.99) == true)
    }

    @Test func anythingElseLeavesTheCrashPointsOff() {
        for text in ["", "claims", "claim:", "claim:1.5", "claim:-0.1", "claim:x", "claim@0", "claim@", "@2", ":0.5", "CLAIM"] {
            #expect(CrashPlan(text) == nil, "\(text)")
        }
    }

    @Test func everyPhaseHasTheNameTheSuiteUses() {
        #expect(CrashPhase.allCases.map(\.rawValue) == ["ingest-commit", "canvas-entry", "claim", "partner-call-in-flight",
                                                         "after-partner-answered", "token-refresh", "segment-export", "csv-import",
                                                         "erasure-commit", "removal-answered"])
        for phase in CrashPhase.allCases { #expect(CrashPlan(phase.rawValue + ":0.5")?.phase == phase) }
    }
}
