import Foundation

/// How fast one API key may call the REST API (reliability.md A-8): a token bucket that refills at `perSecond`
/// and holds at most `burst`, so a client may send a short burst, then no more than the steady rate.
///
/// Kept in memory, per process: a restart gives every key a full bucket, which is at most one extra burst.
public struct APIRateLimit: Sendable, Equatable {
    /// Requests a second a key may keep up.
    public let perSecond: Double
    /// Requests a key may send at once after being quiet.
    public let burst: Double

    /// Creates a limit; both must be positive.
    public init(perSecond: Double, burst: Double) {
        precondition(perSecond > 0 && burst >= 1, "an API rate limit needs a positive rate and a burst of at least 1")
        self.perSecond = perSecond; self.burst = burst
    }

    /// A key's bucket: the tokens left when it was last looked at.
    public struct Bucket: Sendable, Equatable {
        /// Tokens left at `updated`.
        public var tokens: Double
        /// When `tokens` was computed.
        public var updated: Date
    }

    /// A full bucket, as a key that was quiet for long has.
    public func fullBucket(at now: Date) -> Bucket { Bucket(tokens: burst, updated: now) }

    /// Takes one request from `bucket` at `now`: `nil` when it may go ahead, or the seconds until the bucket holds
    /// a whole token again. A clock that went backwards refills nothing (and takes nothing back).
    public func take(_ bucket: inout Bucket, at now: Date) -> TimeInterval? {
        let elapsed = max(0, now.timeIntervalSince(bucket.updated))
        bucket.tokens = min(burst, bucket.tokens + elapsed * perSecond)
        bucket.updated = max(bucket.updated, now)
        guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / perSecond }
        bucket.tokens -= 1
        return nil
    }

    /// Where a key stands after a request, in the terms Braze clients read from `X-RateLimit-*` headers.
    public struct Standing: Sendable, Equatable {
        /// The most requests the key may send at once (the burst).
        public let limit: Int
        /// Whole requests the key may still send right now.
        public let remaining: Int
        /// Unix seconds, rounded up, when the bucket is full again (`remaining` back at `limit`).
        public let reset: Int
        /// Creates a value.
        public init(limit: Int, remaining: Int, reset: Int) { self.limit = limit; self.remaining = remaining; self.reset = reset }
    }

    /// The standing of `bucket` as `take` left it: a token bucket has no fixed window, so "reset" is when it has
    /// refilled to the burst, the moment after which waiting longer gains nothing.
    public func standing(_ bucket: Bucket) -> Standing {
        let tokens = max(0, bucket.tokens)
        let refill = (burst - tokens) / perSecond
        let reset = (bucket.updated.timeIntervalSince1970 + refill).rounded(.up)
        return Standing(limit: Int(burst), remaining: Int(tokens.rounded(.down)), reset: Int(reset))
    }

    /// Whole seconds for a `Retry-After` header: never 0, so a client that honours it always waits.
    public static func retryAfterSeconds(_ wait: TimeInterval) -> Int { max(1, Int(wait.rounded(.up))) }
}
