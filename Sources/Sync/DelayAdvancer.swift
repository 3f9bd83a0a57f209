import Core
import Foundation
import Logging
import Storage

/// Moves users on when their Delay step is over: a loop in the `serve` process that looks for due entries
/// every `interval` and walks them on in one transaction per batch.
///
/// Stopping waits for the batch in hand; an entry moved by a batch that crashed half-way is simply found
/// again (the store checks each entry is still due before moving it).
public final class DelayAdvancer: Sendable {
    let store: Store
    let interval: Double
    let now: @Sendable () -> Date
    let logger: Logger
    private let loop: BackgroundLoop

    /// Creates an advancer; nothing runs until ``start()``.
    public init(store: Store, interval: Double = 1, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "audiencesync.delays")) {
        self.store = store; self.interval = interval; self.now = now; self.logger = logger
        loop = BackgroundLoop(interval: interval)
    }

    /// Starts the loop on its own thread.
    public func start() {
        loop.start { [self] in
            do {
                while try advanceDue() == Self.batch {}
            } catch {
                logger.error("moving delayed users failed: \(error)")
            }
        }
    }

    /// Stops the loop after the batch in hand.
    public func stop() { loop.stop() }

    static let batch = 500

    /// Moves one batch of due users on; returns how many were due.
    @discardableResult
    public func advanceDue() throws(StoreError) -> Int {
        let time = now()
        let due = try store.dueEntries(now: time, limit: Self.batch)
        guard !due.isEmpty else { return 0 }
        var steps: [Int64: [CanvasStep]] = [:]
        for canvasID in Set(due.map(\.canvasID)) { steps[canvasID] = try store.steps(canvasID: canvasID) }
        var policies: [Int64: ConsentPolicy] = [:]
        for workspaceID in Set(due.map(\.workspaceID)) { policies[workspaceID] = try store.consentPolicy(workspaceID: workspaceID) }
        try store.resume(due, now: time) { entry, json in
            CanvasEntries.resume(steps[entry.canvasID] ?? [], entry, attributesJSON: json, policy: policies[entry.workspaceID] ?? .standard, now: time)
        }
        return due.count
    }
}
