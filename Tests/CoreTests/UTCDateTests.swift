import Core
import Foundation
import Testing

@Suite struct UTCDateTests {
    @Test func agreesWithFoundationsCalendarOverFourCenturies() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMM yyyy, HH:mm 'UTC'"
        var generator = SystemRandomNumberGenerator()
        let samples = [0, -1, 951_782_400 /* 2000-02-29 */, 4_107_542_399, -2_208_988_800] + (0..<2000).map { _ in
            Int.random(in: -6_000_000_000...7_000_000_000, using: &generator)
        }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(UTCDate(date).dayAndTime == formatter.string(from: date), "\(seconds)")
        }
    }

    @Test func formatsTheDashboardsShapes() {
        let date = Date(timeIntervalSince1970: 1_795_352_700)   // 2026-11-22 13:05 UTC
        #expect(UTCDate(date).day == "22 Nov 2026" && UTCDate(date).dayAndMonth == "22 Nov" && UTCDate(date).time == "13:05")
    }
}
