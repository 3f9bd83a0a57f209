import Core
import Foundation
import Testing
@testable import Web

/// The step page's chart cache gives exactly what drawing gives, draws each distinct input once, and stays bounded.
@Suite struct ChartCacheTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func series(_ current: Int) -> [ChartSeries] {
        [ChartSeries(label: "Entered", color: "#3b4cca", values: Array(repeating: 5, count: 23) + [current]),
         ChartSeries(label: "Users Synced", color: "#1d7a46", values: Array(repeating: 4, count: 23) + [current - 1])]
    }

    @Test func aSeenInputIsDrawnOnceAndAnyChangeIsDrawnAgain() {
        let cache = ChartCache()
        let first = cache.svg(series(7), range: .day, start: start, title: "Step figures")
        #expect(first == TimeSeriesChart.svg(series(7), range: .day, start: start, title: "Step figures"))
        #expect(cache.svg(series(7), range: .day, start: start, title: "Step figures") == first && cache.count == 1)
        // The current bucket moved: a new drawing, the same as drawing it afresh.
        let moved = cache.svg(series(9), range: .day, start: start, title: "Step figures")
        #expect(moved != first && moved == TimeSeriesChart.svg(series(9), range: .day, start: start, title: "Step figures"))
        // So did the window.
        #expect(cache.svg(series(9), range: .day, start: start.addingTimeInterval(3600), title: "Step figures") != moved && cache.count == 3)
    }

    @Test func theCacheStartsOverWhenFull() {
        let cache = ChartCache()
        for value in 1...(ChartCache.capacity + 5) { _ = cache.svg(series(value), range: .day, start: start, title: "t") }
        #expect(cache.count <= ChartCache.capacity)
    }
}
