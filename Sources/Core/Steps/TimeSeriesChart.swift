import Foundation

/// A step figure over time, for the step page's chart.
public struct ChartSeries: Sendable, Hashable {
    /// The legend's label.
    public let label: String
    /// The line's colour (a CSS colour; SVG presentation attributes are not inline styles, so the CSP allows them).
    public let color: String
    /// One value per bucket, oldest first.
    public let values: [Int]
    /// Creates a value.
    public init(label: String, color: String, values: [Int]) { self.label = label; self.color = color; self.values = values }
}

/// The chart's time range.
public enum ChartRange: String, Sendable, CaseIterable {
    case day = "24h", week = "7d", month = "30d"

    /// Seconds per bucket: hours for a day, six hours for a week, days for a month.
    public var bucket: TimeInterval {
        switch self {
        case .day: 3600
        case .week: 6 * 3600
        case .month: 86_400
        }
    }

    /// How many buckets.
    public var buckets: Int {
        switch self {
        case .day: 24
        case .week: 28
        case .month: 30
        }
    }

    /// The label of the range picker.
    public var label: String {
        switch self {
        case .day: "Last 24 hours"
        case .week: "Last 7 days"
        case .month: "Last 30 days"
        }
    }

    /// The start of the first bucket, for a chart ending with the bucket that holds `now`.
    public func start(now: Date) -> Date {
        let end = (now.timeIntervalSince1970 / bucket).rounded(.down) * bucket + bucket
        return Date(timeIntervalSince1970: end - bucket * Double(buckets))
    }
}

/// Draws line charts as SVG text: no script, no inline style, every label escaped.
public enum TimeSeriesChart {
    static let width = 640.0, height = 220.0, left = 44.0, right = 12.0, top = 12.0, bottom = 40.0
    static let gridColor = "#dfe3ec", mutedColor = "#5d6475", inkColor = "#1d2230"

    /// An SVG line chart of `series` over `range` starting at `start`.
    public static func svg(_ series: [ChartSeries], range: ChartRange, start: Date, title: String) -> String {
        let peak = max(1, series.flatMap(\.values).max() ?? 1)
        var parts = [#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="\#(HTMLEscaping.escape(title))" class="chart">"#,
                     "<title>\(HTMLEscaping.escape(title))</title>"]
        parts += grid(peak: peak)
        parts += xLabels(range: range, start: start)
        for line in series { parts.append(polyline(line, count: range.buckets, peak: peak)) }
        parts += legend(series)
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private static func x(_ index: Int, count: Int) -> Double {
        left + (width - left - right) * (count <= 1 ? 0 : Double(index) / Double(count - 1))
    }

    private static func y(_ value: Int, peak: Int) -> Double {
        top + (height - top - bottom) * (1 - Double(value) / Double(peak))
    }

    /// "12.3": one decimal without `String(format:)` (which goes through locale-aware C formatting per point).
    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return sign + "\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    private static func polyline(_ line: ChartSeries, count: Int, peak: Int) -> String {
        let points = line.values.prefix(count).enumerated().map { oneDecimal(x($0.offset, count: count)) + "," + oneDecimal(y($0.element, peak: peak)) }
        return #"<polyline fill="none" stroke="\#(HTMLEscaping.escape(line.color))" stroke-width="2" points="\#(points.joined(separator: " "))"><title>\#(HTMLEscaping.escape(line.label))</title></polyline>"#
    }

    private static func grid(peak: Int) -> [String] {
        [0, peak / 2, peak].map { value in
            let level = oneDecimal(y(value, peak: peak))
            return #"<line x1="\#(left)" x2="\#(width - right)" y1="\#(level)" y2="\#(level)" stroke="\#(gridColor)"/><text x="\#(left - 6)" y="\#(level)" text-anchor="end" dominant-baseline="middle" font-size="11" fill="\#(mutedColor)">\#(value)</text>"#
        }
    }

    private static func xLabels(range: ChartRange, start: Date) -> [String] {
        let count = range.buckets
        return [0, count / 2, count - 1].map { index in
            let moment = UTCDate(start.addingTimeInterval(range.bucket * Double(index)))
            let label = range == .day ? moment.time : moment.dayAndMonth
            // Edge labels lean inwards so they are not cut off by the viewBox.
            let anchor = index == 0 ? "start" : index == count - 1 ? "end" : "middle"
            return #"<text x="\#(oneDecimal(x(index, count: count)))" y="\#(height - bottom + 16)" text-anchor="\#(anchor)" font-size="11" fill="\#(mutedColor)">\#(HTMLEscaping.escape(label))</text>"#
        }
    }

    private static func legend(_ series: [ChartSeries]) -> [String] {
        series.enumerated().map { index, line in
            let x0 = left + Double(index) * 130
            return #"<rect x="\#(x0)" y="\#(height - 14)" width="10" height="10" fill="\#(HTMLEscaping.escape(line.color))"/><text x="\#(x0 + 14)" y="\#(height - 5)" font-size="11" fill="\#(inkColor)">\#(HTMLEscaping.escape(line.label))</text>"#
        }
    }
}
