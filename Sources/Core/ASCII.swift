/// Byte classes of ASCII text: the fast paths that skip Unicode work when a text is plain ASCII (the common case for
/// ids, emails and names sent by machines) all ask here.
public enum ASCII {
    /// A printable character, space through tilde (0x20–0x7E): no control character, nothing beyond ASCII.
    @inlinable public static func isPrintable(_ byte: UInt8) -> Bool { (0x20...0x7E).contains(byte) }

    /// A printable character other than space (0x21–0x7E): one that no grapheme can make padding.
    @inlinable public static func isVisible(_ byte: UInt8) -> Bool { (0x21...0x7E).contains(byte) }

    /// Whether `text` starts and ends with a visible character, so that there is nothing around it to trim.
    @inlinable public static func hasVisibleEnds(_ text: String) -> Bool {
        guard let first = text.utf8.first, let last = text.utf8.last else { return false }
        return isVisible(first) && isVisible(last)
    }
}
