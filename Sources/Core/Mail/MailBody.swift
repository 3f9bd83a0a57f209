import Foundation

/// An email's body, written once as blocks and rendered twice — as plain text and as HTML — so the two parts of a
/// `multipart/alternative` message always say the same thing. Links are absolute URLs (the caller builds them from
/// the configured base URL): a mail client has no page to resolve a relative one against.
public struct MailBody: Sendable, Equatable {
    /// One piece of the body, in reading order.
    public enum Block: Sendable, Equatable {
        /// A paragraph; a blank line inside starts another one, a single line break stays one.
        case paragraph(String)
        /// A list of short items.
        case list([String])
        /// A link on a line of its own: `label: url` in the text, `<a href="url">label</a>` in HTML.
        case link(label: String, url: String)
    }

    /// The blocks.
    public let blocks: [Block]

    /// Creates a body from `blocks`.
    public init(_ blocks: [Block]) { self.blocks = blocks }

    /// The plain-text part: blocks separated by blank lines; list items start with "• ".
    public var text: String {
        blocks.map { block in
            switch block {
            case .paragraph(let text): text
            case .list(let items): items.map { "• " + $0 }.joined(separator: "\n")
            case .link(let label, let url): "\(label): \(url)"
            }
        }.joined(separator: "\n\n")
    }

    /// The HTML part: a small, style-free document (mail clients strip most CSS), every text escaped.
    public var html: String {
        let content = blocks.map { block -> String in
            switch block {
            case .paragraph(let text):
                return Self.paragraphs(text).map { "<p>" + $0 + "</p>" }.joined(separator: "\n")
            case .list(let items):
                return "<ul>\n" + items.map { "<li>" + HTMLEscaping.escape($0) + "</li>" }.joined(separator: "\n") + "\n</ul>"
            case .link(let label, let url):
                return "<p><a href=\"" + HTMLEscaping.escape(url) + "\">" + HTMLEscaping.escape(label) + "</a></p>"
            }
        }
        return "<!doctype html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" + content.joined(separator: "\n") + "\n</body></html>\n"
    }

    /// `text` split at blank lines, each piece escaped with its single line breaks as `<br>`.
    private static func paragraphs(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .newlines) }
            .filter { !$0.isEmpty }
            .map { $0.split(separator: "\n", omittingEmptySubsequences: false).map { HTMLEscaping.escape(String($0)) }.joined(separator: "<br>\n") }
    }
}
