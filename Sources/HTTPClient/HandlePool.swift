import CCurl
import Synchronization

/// One curl multi handle plus easy handles kept for reuse. The multi handle owns the
/// connection, DNS and TLS-session caches, so keeping it alive between calls is what
/// makes sequential requests to one host reuse a TCP connection.
///
/// `~Copyable` so exactly one owner exists and `deinit` frees the handles exactly once.
struct MultiSession: ~Copyable {
    private(set) var multi: UnsafeMutableRawPointer?
    var idleEasy: [UnsafeMutableRawPointer] = []

    init() {}

    /// The multi handle, created on first use.
    mutating func multiHandle(maxConnects: Int) -> UnsafeMutableRawPointer? {
        if let multi { return multi }
        guard let created = curl_multi_init() else { return nil }
        // Without this curl sizes the cache from the handles currently added, which is
        // zero between calls; we want idle connections to survive until the next call.
        _ = as_curl_multi_setopt_long(created, CURLMOPT_MAXCONNECTS, maxConnects)
        multi = created
        return created
    }

    /// Frees everything after the multi handle reported an error, so the next call starts fresh.
    mutating func discard() {
        Self.release(multi: multi, easy: idleEasy)
        multi = nil
        idleEasy = []
    }

    deinit {
        Self.release(multi: multi, easy: idleEasy)
    }

    private static func release(multi: UnsafeMutableRawPointer?, easy: [UnsafeMutableRawPointer]) {
        easy.forEach { curl_easy_cleanup($0) }
        if let multi { curl_multi_cleanup(multi) }
    }
}

/// A fixed set of sessions, each behind its own `Mutex`.
///
/// A caller try-locks the first free slot and runs its whole batch while holding it:
/// the lock *is* the exclusive-ownership token, so raw curl pointers never cross threads
/// outside a lock and nothing needs `@unchecked Sendable`. Only `withLockIfAvailable` is
/// used, so nobody ever blocks on a busy slot; callers beyond `slotCount` get a throwaway
/// session (correct, just without connection reuse). Scanning from slot 0 makes a
/// single-threaded caller land on the same session every time.
final class HandlePool: Sendable {
    private final class Slot: Sendable {
        let session = Mutex(MultiSession())
    }

    private let slots: [Slot]

    init(slotCount: Int = 16) {
        slots = (0..<max(1, slotCount)).map { _ in Slot() }
    }

    /// Runs `body` with exclusive use of a session.
    func withSession<Output: Sendable>(_ body: @Sendable (inout MultiSession) -> Output) -> Output {
        for slot in slots {
            if let output = slot.session.withLockIfAvailable({ body(&$0) }) {
                return output
            }
        }
        var spare = MultiSession()
        return body(&spare)
    }
}
