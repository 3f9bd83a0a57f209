import Core
import Foundation
import Synchronization

/// The buckets of ``APIRateLimit``, one per API key (by the key's SHA-256), shared by every FastCGI thread.
/// Only keys that authenticated get a bucket, so the map grows with the workspace's keys, not with attackers.
final class APIRateLimiter: Sendable {
    private let limit: APIRateLimit?
    private let buckets = Mutex<[String: APIRateLimit.Bucket]>([:])

    init(limit: APIRateLimit?) { self.limit = limit }

    /// `nil` when the key may make this request now, or the seconds until it may.
    func wait(keyHash: String, at now: Date) -> TimeInterval? {
        guard let limit else { return nil }
        return buckets.withLock { map in
            var bucket = map[keyHash] ?? limit.fullBucket(at: now)
            let wait = limit.take(&bucket, at: now)
            map[keyHash] = bucket
            return wait
        }
    }

    /// The limit, for messages.
    var summary: String? { limit.map { "\(Int($0.perSecond)) requests a second (bursts of \(Int($0.burst)))" } }
}
