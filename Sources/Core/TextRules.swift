/// Rules for names people type (canvases, segments, keys, audiences).
public enum TextRules {
    /// Why a name with control characters (a NUL, a line break, an escape…) is refused, or nil. They cannot be
    /// shown, they end text early in SQLite's `length()` and in C strings, and partners refuse them in names.
    public static func controlCharacterProblem(_ text: String) -> String? {
        // Printable ASCII holds no control character; only other text needs each scalar's category looked up.
        if text.utf8.allSatisfy(ASCII.isPrintable) { return nil }
        return text.unicodeScalars.contains { $0.properties.generalCategory == .control }
            ? "Use letters, digits, spaces and punctuation only: no line breaks or other control characters." : nil
    }
}

/// Why a text was refused, in words for the person who sent it.
public struct TextProblem: Error, Equatable, Sendable {
    /// The message shown next to the field.
    public let message: String
    /// Creates a value.
    public init(_ message: String) { self.message = message }
}
