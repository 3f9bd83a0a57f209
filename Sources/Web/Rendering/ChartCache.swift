import Core
import Foundation
import Synchronization

/// Charts drawn once per distinct input. A chart is a pure function of its series, range, start and title, and between
/// two views of a step page usually nothing changed, or only the current bucket's counts did: a view whose inputs were
/// seen lately takes the drawing it made then (drawing the month chart was a fifth of the step page's instructions).
final class ChartCache: Sendable {
    private struct Key: Hashable {
        let series: [ChartSeries]
        let range: ChartRange
        let start: Date
        let title: String
    }

    /// Drawings kept before the cache starts over (a few per step and range being looked at).
    static let capacity = 64
    private let drawn = Mutex<[Key: String]>([:])

    /// The chart's SVG, drawn by `TimeSeriesChart` unless the same inputs were drawn lately.
    func svg(_ series: [ChartSeries], range: ChartRange, start: Date, title: String) -> String {
        let key = Key(series: series, range: range, start: start, title: title)
        if let svg = drawn.withLock({ $0[key] }) { return svg }
        let svg = TimeSeriesChart.svg(series, range: range, start: start, title: title)
        drawn.withLock { cache in
            if cache.count >= Self.capacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = svg
        }
        return svg
    }

    /// Drawings kept now.
    var count: Int { drawn.withLock { $0.count } }
}
