/// Rules for names people type (canvases, segments, keys, audiences).
public enum TextRules {
    /// Why a name with control characters (a NUL, a line break, an escape…) is refused, or nil. They cannot be
    /// shown, they end text early in SQLite's `length()` and in C strings, and partners refuse them in names.
    public static func controlCharacterProblem(_ text: String) -> String? {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
            ? "Use letters, digits, spaces and punctuation only: no line breaks or other control characters." : nil
    }
}
