import Foundation

/// A small SVG line of hourly values beside a figure (the overview's): no axes, no script, no inline style.
///
/// The `<title>` carries the meaning and the numbers in words, so a screen reader (and a hover) gets what the
/// eye gets; `role="img"` makes it one image rather than a group of lines.
public enum Sparkline {
    static let width = 120.0, height = 28.0, pad = 2.0

    /// An SVG of `values` (oldest first) titled `title`, in `color` (a CSS colour, a presentation attribute).
    public static func svg(_ values: [Int], title: String, color: String) -> String {
        let peak = max(1, values.max() ?? 1)
        let count = values.count
        let points = values.enumerated().map { index, value in
            let x = pad + (width - 2 * pad) * (count <= 1 ? 0 : Double(index) / Double(count - 1))
            let y = pad + (height - 2 * pad) * (1 - Double(value) / Double(peak))
            return TimeSeriesChart.oneDecimal(x) + "," + TimeSeriesChart.oneDecimal(y)
        }
        let label = HTMLEscaping.escape(title)
        return #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Int(width)) \#(Int(height))" width="\#(Int(width))" height="\#(Int(height))" role="img" aria-label="\#(label)" class="sparkline"><title>\#(label)</title><polyline fill="none" stroke="\#(HTMLEscaping.escape(color))" stroke-width="2" points="\#(points.joined(separator: " "))"/></svg>"#
    }
}
