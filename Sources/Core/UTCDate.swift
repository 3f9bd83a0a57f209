import Foundation

/// A moment as the dashboard writes it, in UTC and English month names, without a `DateFormatter` (creating one
/// per call cost a page more than its database reads; sharing one across threads is not safe on every platform).
public struct UTCDate: Sendable, Equatable {
    /// Year, month (1–12), day, hour and minute in UTC.
    public let year: Int, month: Int, dayOfMonth: Int, hour: Int, minute: Int
    /// Second of the minute.
    public let second: Int

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Splits `date` into its UTC parts (proleptic Gregorian calendar, days from the civil-from-days algorithm).
    public init(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// "22 Nov 2026".
    public var day: String { "\(dayOfMonth) \(Self.months[month - 1]) \(year)" }
    /// "22 Nov".
    public var dayAndMonth: String { "\(dayOfMonth) \(Self.months[month - 1])" }
    /// "13:05".
    public var time: String { Self.twoDigits(hour) + ":" + Self.twoDigits(minute) }
    /// "22 Nov 2026, 13:05 UTC".
    public var dayAndTime: String { day + ", " + time + " UTC" }

    /// "2026-11-22T13:05:09Z" (ISO 8601, for logs).
    public var iso8601: String {
        "\(year)-\(Self.twoDigits(month))-\(Self.twoDigits(dayOfMonth))T\(time):\(Self.twoDigits(second))Z"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
