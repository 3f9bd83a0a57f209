import Core
import Foundation
import Testing

/// The CSV parser an import streams through, and how rows become profiles.
@Suite struct CSVRowParserTests {
    static let text = "external_id,email,note\r\nu1,a@b.co,\"hello, \"\"world\"\"\"\nu2,,\"two\nlines\"\n\n\r\nu3,c@d.co,plain"

    func parseAll(_ text: String, chunk: Int) throws -> [CSVRowParser.Row] {
        let bytes = Array(text.utf8)
        var parser = CSVRowParser()
        var rows: [CSVRowParser.Row] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            rows += try parser.feed(bytes[offset..<end], at: offset)
            offset = end
        }
        if let last = parser.finish(at: bytes.count) { rows.append(last) }
        return rows
    }

    @Test(arguments: [1, 2, 3, 7, 64, 10_000])
    func rowsAndOffsetsDoNotDependOnHowTheBytesArrive(chunk: Int) throws {
        let rows = try parseAll(Self.text, chunk: chunk)
        #expect(rows.map(\.fields) == [["external_id", "email", "note"], ["u1", "a@b.co", "hello, \"world\""], ["u2", "", "two\nlines"],
                                       ["u3", "c@d.co", "plain"]])
        let bytes = Array(Self.text.utf8)
        // Each offset is where the next row starts: parsing again from there gives the same rows.
        #expect(rows.last?.end == bytes.count)
        var resumed = CSVRowParser(start: rows[1].end)
        let rest = try resumed.feed(bytes[rows[1].end...], at: rows[1].end) + [resumed.finish(at: bytes.count)].compactMap { $0 }
        #expect(rest.map(\.fields) == rows.dropFirst(2).map(\.fields))
    }

    @Test func anUnclosedQuoteStopsAtTheRowLimitInsteadOfSwallowingTheFile() {
        var parser = CSVRowParser(maxRowBytes: 100)
        let bytes = Array(("a,b\n\"open" + String(repeating: "x", count: 500)).utf8)
        #expect(throws: CSVRowParser.Failure.rowTooLong(start: 4)) { try parser.feed(bytes[...], at: 0) }
    }
}

@Suite struct CSVProfilesTests {
    @Test func theHeaderMustNameExternalIDOnceAndUsableNames() throws {
        #expect(try CSVProfiles.header(["\u{FEFF}external_id", " email "]).get() == ["external_id", "email"])
        #expect(throws: CSVProfiles.HeaderProblem.self) { try CSVProfiles.header(["email", "phone"]).get() }
        #expect(throws: CSVProfiles.HeaderProblem(message: "The column email is named twice.")) { try CSVProfiles.header(["external_id", "email", "email"]).get() }
        #expect(throws: CSVProfiles.HeaderProblem.self) { try CSVProfiles.header(["external_id", "$secret"]).get() }
    }

    @Test func cellsBecomeTheValuesTheRESTAPIWouldTake() throws {
        let header = ["external_id", "zip", "visits", "score", "vip", "ads_tracking_enabled", "email", "nickname", "country"]
        let object = try #require(CSVProfiles.object(["u1", "02134", "42", "-3.5", "TRUE", "yes", "A@B.co", "", "US"], header: header))
        #expect(object["zip"] == "02134")                 // a leading zero: an id or a code, kept as text
        #expect(object["visits"] == .integer(42))
        #expect(object["score"] == .double(-3.5))
        #expect(object["vip"] == .bool(true))
        #expect(object["ads_tracking_enabled"] == .bool(true))
        #expect(object["email"] == "A@B.co" && object["country"] == "US")
        #expect(object["nickname"] == nil)                             // empty: left as it is
        #expect(CSVProfiles.object(["u1", "x"], header: header) == nil)
        let outcome = ProfileValidation.validate(.object(object), index: 0, today: Date())
        let update = try #require(outcome.update)
        #expect(outcome.errors.isEmpty)
        #expect(update.externalID == "u1" && update.attributes["visits"] == "42" && update.attributes["zip"] == "\"02134\"")
    }
}
