/// One field of a CSV the dashboard hands out (the rejected-rows report of an import): RFC 4180 quoting, and
/// defused against formula injection (OWASP "CSV Injection", ASVS 1.2.10) because such files are opened in
/// spreadsheets.
public enum CSVField {
    /// `text` ready to sit between commas: a value starting with `=`, `+`, `-`, `@`, a tab, a carriage return or
    /// a NUL gets a leading `'`, so a spreadsheet shows it instead of evaluating it; NULs become U+FFFD (no
    /// spreadsheet keeps them, and some stop reading the file there); a value holding a comma, a quote or a line
    /// break is quoted with its quotes doubled. Looks at Unicode scalars, not Characters: `"\r\n"` is one
    /// Character in Swift and would slip past a Character comparison with `"\n"`.
    public static func encode(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        if let first = text.unicodeScalars.first, "=+-@\t\r\0".unicodeScalars.contains(first) { scalars.append("'") }
        var needsQuotes = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\0": scalars.append("\u{FFFD}")
            case "\"": scalars.append("\""); scalars.append("\""); needsQuotes = true
            case ",", "\n", "\r": scalars.append(scalar); needsQuotes = true
            default: scalars.append(scalar)
            }
        }
        let value = String(scalars)
        return needsQuotes ? "\"" + value + "\"" : value
    }
}
