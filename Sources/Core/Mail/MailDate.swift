import Foundation

/// RFC 5322 §3.3 `date-time`, always in UTC.
///
/// Built from calendar fields with fixed English names rather than a `DateFormatter`,
/// so neither the process locale nor its time zone can change the output.
enum MailDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    /// E.g. `Sat, 22 Nov 2025 13:01:34 +0000`.
    static func format(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let weekday = weekdays[(parts.weekday ?? 1) - 1]
        let month = months[(parts.month ?? 1) - 1]
        return "\(weekday), \(two(parts.day)) \(month) \(four(parts.year)) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    private static func two(_ value: Int?) -> String {
        pad(value ?? 0, to: 2)
    }

    private static func four(_ value: Int?) -> String {
        pad(value ?? 0, to: 4)
    }

    private static func pad(_ value: Int, to width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
