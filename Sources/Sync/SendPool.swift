import Dispatch
import Foundation
import Synchronization

/// Runs sends on their own threads, at most `width` at once and one per key (a destination) at a time, so a
/// slow destination holds one slot but never the flusher or the other destinations.
///
/// Each send gets a thread of its own rather than a dispatch queue: libdispatch on Linux sizes its shared pool
/// by the CPU count (two here) and Swift's cooperative pool lives on it too, so blocking sends queued there
/// wait for unrelated work — and a slow partner would hold the whole pool.
final class SendPool: Sendable {
    private let slots: DispatchSemaphore
    private let busy = Mutex<Set<Int64>>([])
    private let running = DispatchGroup()

    init(width: Int) { slots = DispatchSemaphore(value: max(1, width)) }

    /// Whether `key`'s work is in flight.
    func isBusy(_ key: Int64) -> Bool { busy.withLock { $0.contains(key) } }

    /// Starts `work` for `key` unless that key is already in flight. When every slot is taken it waits for one
    /// if `waitForSlot`, else it returns false at once (the flusher tries again on its next pass).
    @discardableResult
    func submit(_ key: Int64, waitForSlot: Bool, _ work: @escaping @Sendable () -> Void) -> Bool {
        guard busy.withLock({ $0.insert(key).inserted }) else { return true }
        if waitForSlot {
            slots.wait()
        } else if slots.wait(timeout: .now()) == .timedOut {
            busy.withLock { _ = $0.remove(key) }
            return false
        }
        running.enter()
        Thread.detachNewThread { [self] in
            work()
            busy.withLock { _ = $0.remove(key) }
            slots.signal()
            running.leave()
        }
        return true
    }

    /// Waits until no work is in flight.
    func waitAll() { running.wait() }
}

/// A count several sends add to.
final class Tally: Sendable {
    private let value = Mutex(0)
    func add(_ count: Int) { value.withLock { $0 += count } }
    var total: Int { value.withLock { $0 } }
}
