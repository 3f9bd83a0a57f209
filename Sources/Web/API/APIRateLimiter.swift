import Core
import Foundation
import Synchronization

/// The buckets of ``APIRateLimit``, one per API key (by the key's SHA-256), shared by every FastCGI thread.
/// Only keys that authenticated get a bucket, so the map grows with the workspace's keys, not with attackers.
final class APIRateLimiter: Sendable {
    private let limit: APIRateLimit?
    private let buckets = Mutex<[String: APIRateLimit.Bucket]>([:])

    init(limit: APIRateLimit?) { self.limit = limit }

    /// What one request of a key finds: `wait` is nil when it may go ahead now, else the seconds until it may;
    /// `standing` feeds the `X-RateLimit-*` headers of the answer.
    struct Decision {
        let wait: TimeInterval?
        let standing: APIRateLimit.Standing
    }

    /// Takes one request from the key's bucket; nil when no limit is configured.
    func take(keyHash: String, at now: Date) -> Decision? {
        guard let limit else { return nil }
        return buckets.withLock { map in
            var bucket = map[keyHash] ?? limit.fullBucket(at: now)
            let wait = limit.take(&bucket, at: now)
            map[keyHash] = bucket
            return Decision(wait: wait, standing: limit.standing(bucket))
        }
    }

    /// The limit, for messages.
    var summary: String? { limit.map { "\(Int($0.perSecond)) requests a second (bursts of \(Int($0.burst)))" } }
}
