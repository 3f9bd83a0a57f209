import Core
import Foundation
import Testing

@Suite struct PathWalkTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func sync(_ id: Int64, _ position: Int, fields: [MatchField] = [.email, .phone]) -> CanvasStep {
        CanvasStep(id: id, canvasID: 1, position: position, kind: .audienceSync(AudienceSyncConfig(
            partner: .facebook, adAccountID: "act_1", audience: .new(name: "A", externalID: "9"), action: .add, fields: fields)))
    }
    let steps = [sync(1, 0), CanvasStep(id: 2, canvasID: 1, position: 1, kind: .delay(seconds: 3600)), sync(3, 2, fields: [.email])]
    let mary = ProfileIdentifiers(email: "Mary@Example.com ", phone: "+1 (650) 555-1212", externalID: "u1")

    func figures(_ outcome: PathOutcome) -> [String] { outcome.counts.map { "\($0.stepID):\($0.metric.rawValue)" } }

    @Test func syncStepsQueueOnlyTheChosenFieldsHashedAndPassUsersOnUntilADelay() {
        let outcome = PathWalk.walk(steps, from: 0, resuming: false, profile: mary, blockedBy: nil, now: now)
        #expect(figures(outcome) == ["1:entered", "1:queued", "1:proceeded", "2:entered"])
        #expect(outcome.waitingAt == 1 && outcome.waitUntil == now.addingTimeInterval(3600))
        // Mary did not ask for Limited Data Use: her row leaves Meta's DATA_PROCESSING_OPTIONS column out.
        #expect(outcome.items == [SyncItemDraft(stepID: 1, schema: ["EMAIL", "PHONE"], row: [
            "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"])])
    }

    @Test func aUserWhoAskedForLimitedDataUseCarriesTheFlagInTheirRow() {
        var ann = ProfileIdentifiers(email: "ann@example.com", externalID: "u2")
        ann.dataProcessingOptions = "LDU"
        let outcome = PathWalk.walk([Self.sync(3, 0, fields: [.email])], from: 0, resuming: false, profile: ann, blockedBy: nil, now: now)
        #expect(outcome.items.map { $0.schema } == [["EMAIL", "DATA_PROCESSING_OPTIONS"]] && outcome.items.first?.row.last == "LDU")
    }

    @Test func resumingAfterTheDelayRunsToTheEndAndExits() {
        let outcome = PathWalk.walk(steps, from: 1, resuming: true, profile: mary, blockedBy: nil, now: now)
        #expect(figures(outcome) == ["2:proceeded", "3:entered", "3:queued", "3:exited"])
        #expect(outcome.waitingAt == nil && outcome.items.map(\.schema) == [["EMAIL"]])
    }

    @Test func aUserWithNoFieldToMatchIsNotSyncedButMovesOn() {
        let outcome = PathWalk.walk(steps, from: 0, resuming: false, profile: ProfileIdentifiers(firstName: "Ann", externalID: "u2"), blockedBy: nil, now: now)
        #expect(figures(outcome) == ["1:entered", "1:not_synced_no_field", "1:proceeded", "2:entered"])
        #expect(outcome.items.isEmpty)
    }

    @Test func aUserWhoseValuesAreAllUnusableIsNotSyncedForAnInvalidValue() {
        let profile = ProfileIdentifiers(phone: "call me", externalID: "u5")   // no digit survives
        let outcome = PathWalk.walk(steps, from: 0, resuming: false, profile: profile, blockedBy: nil, now: now)
        #expect(figures(outcome) == ["1:entered", "1:not_synced_invalid", "1:proceeded", "2:entered"])
        #expect(outcome.items.isEmpty)
    }

    @Test func aUserTheConsentPolicyBlocksWalksOnButNothingIsQueuedAndTheReasonIsKept() {
        let optOut = ConsentCondition(attribute: "do_not_sell", meaning: .trueRefuses, requirement: .noOptOut)
        let outcome = PathWalk.walk(steps, from: 0, resuming: false, profile: mary, blockedBy: optOut, now: now)
        #expect(figures(outcome) == ["1:entered", "1:not_synced_no_consent", "1:proceeded", "2:entered"])
        #expect(outcome.items.isEmpty)
        #expect(outcome.blocks == [ConsentBlock(stepID: 1, reason: "do_not_sell is true")])
        // A remove step still takes them out of its audience.
        let remove = CanvasStep(id: 7, canvasID: 1, position: 0, kind: .audienceSync(AudienceSyncConfig(
            partner: .facebook, adAccountID: "act_1", audience: .existing(externalID: "9", name: "A"), action: .remove, fields: [.email])))
        #expect(PathWalk.walk([remove], from: 0, resuming: false, profile: mary, blockedBy: optOut, now: now).items.map(\.stepID) == [7])
    }

    @Test func aUserDeletedDuringTheDelayExitsThere() {
        #expect(figures(PathWalk.walk(steps, from: 1, resuming: true, profile: nil, blockedBy: nil, now: now)) == ["2:exited"])
    }

    @Test func everyEnteredUserIsAccountedForAtEachSyncStep() {
        let profiles = [mary, ProfileIdentifiers(externalID: "u3"), ProfileIdentifiers(phone: "00919876543210", externalID: "u4")]
        var counts: [String: Int] = [:]
        for profile in profiles {
            for figure in PathWalk.walk(steps, from: 0, resuming: false, profile: profile, blockedBy: nil, now: now).counts where figure.stepID == 1 {
                counts[figure.metric.rawValue, default: 0] += 1
            }
        }
        #expect(counts["entered"] == 3 && counts["queued", default: 0] + counts["not_synced_no_field", default: 0] == 3)
    }
}

@Suite struct RetryPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RetryPolicy()

    @Test func backsOffExponentiallyWithJitterUpToTheCap() {
        #expect(policy.backoff(attempts: 1, jitter: 1) == 5 && policy.backoff(attempts: 1, jitter: 0) == 2.5)
        #expect(policy.backoff(attempts: 4, jitter: 1) == 40)
        #expect(policy.backoff(attempts: 40, jitter: 1) == 3600)
    }

    @Test func decidesByErrorClass() {
        func decide(_ error: PartnerError, attempts: Int = 1, first: TimeInterval = 0) -> RetryDecision {
            policy.decide(error, attempts: attempts, firstAttempt: now.addingTimeInterval(-first), now: now, jitter: 1)
        }
        #expect(decide(.throttled(retryAfter: 420, message: "80003")) == .retry(at: now.addingTimeInterval(420)))
        #expect(decide(.transient(message: "500"), attempts: 3) == .retry(at: now.addingTimeInterval(20)))
        #expect(decide(.termsNotAccepted(message: "terms")) == .retry(at: now.addingTimeInterval(900)))
        #expect(decide(.audienceTooSmallToRemove(message: "small")) == .retry(at: now.addingTimeInterval(3600)))
        #expect(decide(.permanent(message: "no")) == .giveUp(reason: "no"))
        // Nothing is retried past 13 hours from the first attempt.
        #expect(decide(.transient(message: "500"), first: 13 * 3600 - 1) == .giveUp(reason: "Not synced within 13 hours: 500"))
        // A backoff that would end after the deadline becomes one last try a minute before it, not a give-up an hour early…
        #expect(decide(.transient(message: "500"), attempts: 20, first: 12 * 3600 + 600)
                == .retry(at: now.addingTimeInterval(13 * 3600 - 12 * 3600 - 600 - 60)))
        // …but never cuts short a wait the partner asked for: a Retry-After past the deadline gives up.
        #expect(decide(.throttled(retryAfter: 3300, message: "429"), first: 12 * 3600 + 600)
                == .giveUp(reason: "Not synced within 13 hours: 429"))
        // Except Pending removals: they are not failures and wait for the audience to grow.
        #expect(decide(.audienceTooSmallToRemove(message: "small"), attempts: 120, first: 5 * 86_400) == .retry(at: now.addingTimeInterval(3600)))
    }
}

@Suite struct TimeSeriesChartTests {
    @Test func drawsOnePointPerBucketAndEscapesLabels() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let start = ChartRange.day.start(now: now)
        #expect(start.timeIntervalSince1970.truncatingRemainder(dividingBy: 3600) == 0)
        #expect(now.timeIntervalSince(start) < 24 * 3600 && now.timeIntervalSince(start) >= 23 * 3600)
        let svg = TimeSeriesChart.svg([ChartSeries(label: "<b>Synced</b>", color: "#1d7a46", values: Array(0..<24))], range: .day, start: start,
                                      title: "A & B")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("&lt;b&gt;Synced&lt;/b&gt;") && !svg.contains("<b>") && svg.contains("A &amp; B"))
        let points = svg.components(separatedBy: "points=\"")[1].split(separator: "\"")[0].split(separator: " ")
        #expect(points.count == 24)
        #expect(!svg.contains("<script") && !svg.contains("style="))
    }
}
