import Mustache

/// HTML escaping for `{{x}}`, byte by byte: the template library's own walks Characters and looks each one up in a
/// dictionary (about 900 instructions a character, 8% of a page). Same five replacements; a text with none of them
/// (most of a page's values: names, figures, dates) is returned as it is, without a copy.
struct HTMLEscaping: MustacheContentType {
    /// The name templates are switched to (`{{% CONTENT_TYPE: HTML_BYTES}}`, put in front of each by ``Renderer``).
    static let name = "HTML_BYTES"

    /// The pragma that makes a template escape through this type; every template gets it, partials and the layout
    /// included, since the library starts each partial with its own default type.
    static let pragma = "{{% CONTENT_TYPE: \(name)}}"

    /// Makes ``pragma`` known to the template parser; call before any template is parsed.
    static func register() { MustacheContentTypes.register(HTMLEscaping(), named: name) }

    func escapeText(_ text: String) -> String { Self.escape(text) }

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { replacement(for: $0) != nil }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            if let replacement = replacement(for: byte) { out.append(contentsOf: replacement.bytes) } else { out.append(byte) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func replacement(for byte: UInt8) -> StaticString? {
        switch byte {
        case UInt8(ascii: "<"): "&lt;"
        case UInt8(ascii: ">"): "&gt;"
        case UInt8(ascii: "&"): "&amp;"
        case UInt8(ascii: "\""): "&quot;"
        case UInt8(ascii: "'"): "&#39;"
        default: nil
        }
    }
}

private extension StaticString {
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount) }
}
