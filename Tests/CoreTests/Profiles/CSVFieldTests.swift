import Core
import Testing

/// The rejected-rows report's fields: formula injection defused, RFC 4180 quoting that our own parser reads back.
@Suite struct CSVFieldTests {
    @Test(arguments: ["=HYPERLINK(\"http://evil.example\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "\0=1"])
    func formulasAreDefusedWithALeadingQuote(value: String) {
        let encoded = CSVField.encode(value)
        let unquoted = encoded.hasPrefix("\"") ? String(encoded.dropFirst()) : encoded
        #expect(unquoted.hasPrefix("'"))
    }

    @Test func plainValuesAreLeftAlone() {
        #expect(CSVField.encode("user-42") == "user-42")
        #expect(CSVField.encode("Plain reason.") == "Plain reason.")
        #expect(CSVField.encode("") == "")
    }

    @Test func commasQuotesAndEveryLineBreakAreQuoted() {
        #expect(CSVField.encode("a,b") == "\"a,b\"")
        #expect(CSVField.encode("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVField.encode("a\nb") == "\"a\nb\"")
        // "\r\n" is one Character in Swift: a Character comparison with "\n" misses it and the field would end a row.
        #expect(CSVField.encode("a\r\nb") == "\"a\r\nb\"")
        #expect(CSVField.encode("a\rb") == "\"a\rb\"")
        #expect(CSVField.encode("a\0b") == "a\u{FFFD}b")
    }

    @Test func whatIsWrittenReadsBackAsOneRowOfTheSameFields() throws {
        let values = ["x", "a,b", "line\r\nbreak", "q\"uote", "=1+1", "\t@x", "ünï,cödé\n", "last"]
        let line = values.map(CSVField.encode).joined(separator: ",") + "\r\n"
        var parser = CSVRowParser()
        let rows = try parser.feed(ArraySlice(Array(line.utf8)), at: 0)
        #expect(rows.count == 1)
        let expected = values.map { value -> String in
            let first = value.unicodeScalars.first.map { "=+-@\t\r\0".unicodeScalars.contains($0) } ?? false
            return (first ? "'" : "") + value
        }
        // The parser drops a CR before LF inside quotes too (it reads line ends leniently), so compare without CRs.
        #expect(rows.first?.fields.map { $0.replacingOccurrences(of: "\r", with: "") } == expected.map { $0.replacingOccurrences(of: "\r", with: "") })
    }
}
