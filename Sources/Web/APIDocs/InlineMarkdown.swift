import Core

/// The OpenAPI document's descriptions are CommonMark (OpenAPI 3.1 §4.6), and the only markup they use is code
/// spans: `` `name` `` becomes `<code>name</code>`. Everything else is escaped, so a description can never inject
/// markup into the page. `OpenAPITests` fails when the page shows a raw backtick, so a description that starts
/// using more of CommonMark is noticed.
enum InlineMarkdown {
    /// `text` as HTML: escaped, with its code spans as `<code>` elements.
    static func html(_ text: String) -> String {
        let characters = Array(text)
        var output = ""
        var index = 0
        while index < characters.count {
            guard characters[index] == "`" else {
                output += HTMLEscaping.escape(String(characters[index]))
                index += 1
                continue
            }
            let opening = run(of: characters, at: index)
            if let closing = closingRun(in: characters, from: index + opening, length: opening) {
                output += "<code>" + HTMLEscaping.escape(codeContent(characters[(index + opening)..<closing])) + "</code>"
                index = closing + opening
            } else {
                // CommonMark: a backtick string with no closing string of the same length is literal text.
                output += String(repeating: "`", count: opening)
                index += opening
            }
        }
        return output
    }

    /// How many backticks start at `index`.
    private static func run(of characters: [Character], at index: Int) -> Int {
        var end = index
        while end < characters.count && characters[end] == "`" { end += 1 }
        return end - index
    }

    /// Where the next run of exactly `length` backticks after `start` begins.
    private static func closingRun(in characters: [Character], from start: Int, length: Int) -> Int? {
        var index = start
        while index < characters.count {
            if characters[index] == "`" {
                let found = run(of: characters, at: index)
                if found == length { return index }
                index += found
            } else {
                index += 1
            }
        }
        return nil
    }

    /// CommonMark: line endings become spaces, and one space is stripped from each side when both sides have one
    /// and the content is not all spaces (so `` ` `` ` `` can show a backtick).
    private static func codeContent(_ slice: ArraySlice<Character>) -> String {
        var content = String(slice).replacingOccurrences(of: "\n", with: " ")
        if content.count >= 2, content.first == " ", content.last == " ", content.contains(where: { $0 != " " }) {
            content = String(content.dropFirst().dropLast())
        }
        return content
    }
}
