import Foundation
import Synchronization

/// Runs a pass on its own thread every `interval` until stopped: what the sync flusher and the delay advancer
/// share. Stopping wakes the pause at once and returns after the pass in hand has finished.
final class BackgroundLoop: Sendable {
    private let interval: TimeInterval
    private let running = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Signalled by `stop()` so the pause ends at once instead of running out.
    private let wake = DispatchSemaphore(value: 0)

    init(interval: TimeInterval) { self.interval = interval }

    /// Starts the thread, running `pass` every `interval`.
    func start(_ pass: @escaping @Sendable () -> Void) {
        running.withLock { $0 = true }
        Thread.detachNewThread { [self] in
            while running.withLock({ $0 }) {
                pass()
                _ = wake.wait(timeout: .now() + interval)
            }
            finished.signal()
        }
    }

    /// Stops after the pass in hand; safe to call twice or before `start()`.
    func stop() {
        let wasRunning = running.withLock { state in
            defer { state = false }
            return state
        }
        guard wasRunning else { return }
        wake.signal()
        finished.wait()
    }
}
