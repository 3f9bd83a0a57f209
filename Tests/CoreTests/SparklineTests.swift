@testable import Core
import Testing

@Suite struct SparklineTests {
    @Test func drawsOnePointPerHourWithTheTitleEscaped() {
        let svg = Sparkline.svg([0, 2, 4], title: "Users <synced> & co", color: "#1f7a4d")
        #expect(svg.contains(#"role="img""#) && svg.contains("<title>Users &lt;synced&gt; &amp; co</title>"))
        // The highest value touches the top, zero the bottom, inside a 2-unit margin.
        #expect(svg.contains(#"points="2.0,26.0 60.0,14.0 118.0,2.0""#))
        #expect(!svg.contains("style="))   // presentation attributes only: the CSP forbids inline styles
    }

    @Test func aQuietDayIsAFlatLineAtTheBottom() {
        let svg = Sparkline.svg([Int](repeating: 0, count: 24), title: "Quiet", color: "#000")
        #expect(svg.components(separatedBy: ",26.0").count - 1 == 24)
    }
}
