import Foundation
import Synchronization

/// Hands a secret from a POST to the next page view of the same session, once, in memory only.
///
/// A new API key is shown after a redirect (so refreshing the page cannot create a second key) without ever
/// being written anywhere in clear. Unclaimed secrets vanish after five minutes, or with the process.
final class OneTimeSecrets: Sendable {
    private let secrets = Mutex<[String: (value: String, until: Date)]>([:])

    /// Keeps `value` for the session's next ``take(session:now:)``.
    func put(_ value: String, session: String, now: Date) {
        secrets.withLock { map in
            map = map.filter { $0.value.until > now }
            map[session] = (value, now.addingTimeInterval(300))
        }
    }

    /// The secret left for this session, removed as it is read.
    func take(session: String, now: Date) -> String? {
        secrets.withLock { map in
            guard let entry = map.removeValue(forKey: session), entry.until > now else { return nil }
            return entry.value
        }
    }
}
