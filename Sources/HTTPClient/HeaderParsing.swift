/// Turns the raw header lines curl hands us into `(name, value)` pairs.
enum HeaderParsing {
    /// Records one raw line. A status line starts a new response (after a `100 Continue`),
    /// so headers collected so far are dropped and only the final response's remain.
    static func record(_ rawLine: String, into headers: inout [(name: String, value: String)]) {
        // isNewline, not == "\r": "\r\n" is a single Character and would survive a per-character test.
        let line = rawLine[...].trimmingSuffix { $0.isNewline }
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
        } else if let first = line.first, first == " " || first == "\t" {
            appendContinuation(line, to: &headers)  // obsolete line folding
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            headers.append((name: name, value: value))
        }
    }

    private static func appendContinuation(_ line: Substring, to headers: inout [(name: String, value: String)]) {
        guard !headers.isEmpty else { return }
        headers[headers.count - 1].value += " " + line.trimmingWhitespace()
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }

    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let tail = trimmingSuffix(while: isSpace)
        return String(tail.drop(while: isSpace))
    }
}
