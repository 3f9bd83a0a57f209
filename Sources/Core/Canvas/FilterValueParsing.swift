/// Reads a filter's typed text as a number or a calendar date, for comparisons.
///
/// Deliberately stricter than `Double(_:)`, which also accepts `inf`, `nan` and hexadecimal such as `0x10`:
/// none of those is something a marketer means by a number.
public enum FilterValueParsing {
    /// The text as a finite decimal number (`7`, `-2.5`, `1e3`), or nil.
    public static func number(_ text: String) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ "0123456789+-.eE".contains($0) }),
              let number = Double(text), number.isFinite else { return nil }
        return number
    }

    /// Whether the text is a real calendar day written `YYYY-MM-DD`.
    ///
    /// Dates in this exact form sort as text in calendar order, so comparisons can use plain string order
    /// once both sides pass this check; no Calendar or time zone is involved.
    public static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month) else { return false }
        return (1...daysIn(month: month, year: year)).contains(day)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
}
