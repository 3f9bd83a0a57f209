@testable import CrashPoints
import Foundation
import Testing

/// The counter behind "only the first thread to fire says so and kills": under contention every caller gets its own
/// number, and exactly one gets 1 (the crash matrix counts one log line per kill).
@Suite struct CounterTests {
    @Test func exactlyOneOfManyThreadsIsFirst() {
        let counter = CrashPoints.Counter()
        let numbers = Numbers()
        DispatchQueue.concurrentPerform(iterations: 64) { _ in numbers.add(counter.next()) }
        #expect(numbers.sorted == Array(1...64))
    }
}

/// Numbers collected from many threads.
private final class Numbers: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ value: Int) { lock.lock(); values.append(value); lock.unlock() }
    var sorted: [Int] { lock.lock(); defer { lock.unlock() }; return values.sorted() }
}
