import Core
import Foundation
import Testing

/// The per-key token bucket of the REST API (reliability.md A-8).
@Suite struct APIRateLimitTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aBurstIsAllowedThenOnlyTheSteadyRate() {
        let limit = APIRateLimit(perSecond: 50, burst: 50)
        var bucket = limit.fullBucket(at: start)
        let first = (0..<1000).filter { _ in limit.take(&bucket, at: start) == nil }.count
        #expect(first == 50)
        // Over the next second, spread evenly, exactly the rate's worth gets through.
        var later = 0
        for k in 1...1000 where limit.take(&bucket, at: start.addingTimeInterval(Double(k) / 1000)) == nil { later += 1 }
        #expect(later == 50)
    }

    @Test func theWaitSaysWhenAWholeTokenIsBack() throws {
        let limit = APIRateLimit(perSecond: 4, burst: 2)
        var bucket = limit.fullBucket(at: start)
        #expect(limit.take(&bucket, at: start) == nil && limit.take(&bucket, at: start) == nil)
        let wait = try #require(limit.take(&bucket, at: start))
        #expect(abs(wait - 0.25) < 1e-9)
        #expect(limit.take(&bucket, at: start.addingTimeInterval(0.2)) != nil)
        #expect(limit.take(&bucket, at: start.addingTimeInterval(0.25)) == nil)
        #expect(APIRateLimit.retryAfterSeconds(wait) == 1 && APIRateLimit.retryAfterSeconds(0) == 1 && APIRateLimit.retryAfterSeconds(2.01) == 3)
    }

    @Test func aQuietKeyRefillsOnlyToTheBurstAndABackwardClockGivesNothing() {
        let limit = APIRateLimit(perSecond: 10, burst: 3)
        var bucket = limit.fullBucket(at: start)
        for _ in 0..<3 { _ = limit.take(&bucket, at: start) }
        let afterAnHour = (0..<10).filter { _ in limit.take(&bucket, at: start.addingTimeInterval(3600)) == nil }.count
        #expect(afterAnHour == 3)
        #expect(limit.take(&bucket, at: start) != nil)      // the clock stepped back an hour: still empty
    }

    @Test func settingsTurnItOffOrChangeIt() throws {
        #expect(try AppConfig.load(environment: [:]).apiRateLimit == APIRateLimit(perSecond: 100, burst: 200))
        #expect(try AppConfig.load(environment: ["AUDIENCESYNC_API_RATE_PER_SECOND": "0"]).apiRateLimit == nil)
        #expect(try AppConfig.load(environment: ["AUDIENCESYNC_API_RATE_PER_SECOND": "5", "AUDIENCESYNC_API_BURST": "8"]).apiRateLimit
                == APIRateLimit(perSecond: 5, burst: 8))
        #expect(throws: ConfigError.self) { try AppConfig.load(environment: ["AUDIENCESYNC_API_RATE_PER_SECOND": "-1"]) }
    }
}

/// What the `X-RateLimit-*` headers say (Braze clients pace themselves by them).
@Suite struct APIRateLimitStandingTests {
    @Test func standingCountsWholeRequestsLeftAndWhenTheBucketIsFullAgain() {
        let limit = APIRateLimit(perSecond: 2, burst: 10)
        let start = Date(timeIntervalSince1970: 1_000)
        var bucket = limit.fullBucket(at: start)
        #expect(limit.take(&bucket, at: start) == nil)
        #expect(limit.standing(bucket) == APIRateLimit.Standing(limit: 10, remaining: 9, reset: 1_001))   // one token back in 0.5 s
        for _ in 0..<9 { _ = limit.take(&bucket, at: start) }
        #expect(limit.take(&bucket, at: start) != nil)
        #expect(limit.standing(bucket) == APIRateLimit.Standing(limit: 10, remaining: 0, reset: 1_005))   // ten tokens at 2 a second
        _ = limit.take(&bucket, at: start.addingTimeInterval(1.25))
        #expect(limit.standing(bucket).remaining == 1)   // 2.5 refilled, one taken
    }
}
