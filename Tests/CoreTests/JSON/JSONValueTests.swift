@testable import Core
import Foundation
import Testing

/// Request bodies are read by `JSONValue.parse` (the byte reader, Foundation for what it declines) instead of
/// `JSONSerialization`: every document must read as written and as Foundation reads it, and every attribute value must
/// be stored with the very text it was stored with when Foundation read the body.
@Suite struct JSONValueTests {
    /// Random request-shaped documents (objects, nested objects and arrays, every scalar), each in three spellings.
    @Test func readsRandomDocumentsAsWrittenAndAsFoundationDoes() throws {
        var random = SeededRandom(seed: 29)
        for round in 0..<1_500 {
            let members = (0..<Int.random(in: 0...8, using: &random)).map { _ in
                (ProfileJSONReaderTests.randomText(&random, allowEmpty: false), ProfileJSONReaderTests.randomValue(&random, depth: 0))
            }
            var seen = Set<String>()
            let written = Generated.object(members.filter { seen.insert($0.0).inserted })
            for spelling in Spelling.allCases {
                let text = spelling.value(written)
                let read = try #require(Array(text.utf8).withUnsafeBufferPointer { JSONValueReader.document($0, as: JSONValue.self) },
                                        "the reader left round \(round) to Foundation: \(text)")
                #expect(read == written.jsonValue, "round \(round), \(spelling): \(text)")
                let foundation = JSONValue(foundation: try JSONSerialization.jsonObject(with: Data(text.utf8)))
                #expect(Self.nearlySame(read, foundation), "round \(round), \(spelling): \(text)")
                #expect(JSONValue.parse(Array(text.utf8)) == read)
            }
        }
    }

    /// What `/users/track` and trigger recipients store: each value's canonical text is the one the Foundation path
    /// stored (`JSONSerialization` decoding, then strings and booleans by hand and the rest by `JSONSerialization`).
    /// Decimals here have at most 15 significant digits, which Foundation reads correctly too.
    @Test func storesEveryValueWithTheTextFoundationStored() throws {
        var random = SeededRandom(seed: 31)
        for round in 0..<3_000 {
            let value = Self.attributeValue(&random, depth: 0)
            let text = #"{"v":"# + value + "}"
            let read = try #require(JSONValue.parse(Array(text.utf8))?.members?["v"], "round \(round): \(text)")
            let decoded = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])["v"]!
            #expect(read.canonicalText == Self.foundationCanonical(decoded), "round \(round): \(text)")
        }
    }

    /// Duplicate names, integers beyond `Int64` and lone surrogates are read by Foundation, and read as it reads them
    /// (or refused, as it refuses them).
    @Test(arguments: [#"{"a":1,"a":2}"#, #"{"a":18446744073709551615}"#, #"{"a":-123456789012345678901}"#, #"{"a":"\ud800"}"#])
    func leavesOddDocumentsToFoundation(json: String) throws {
        #expect(Array(json.utf8).withUnsafeBufferPointer { JSONValueReader.document($0, as: JSONValue.self) } == nil)
        let foundation = (try? JSONSerialization.jsonObject(with: Data(json.utf8))).map(JSONValue.init(foundation:))
        #expect(JSONValue.parse(Array(json.utf8)) == foundation)
    }

    @Test(arguments: ["", "{", #"{"a":}"#, "tru", #"{"a":1} x"#, "\u{FEFF}x"])
    func refusesWhatIsNotJSON(json: String) {
        #expect(JSONValue.parse(Array(json.utf8)) == nil)
    }

    /// A 17-digit decimal is rounded correctly, where Foundation is up to two units in the last place off.
    @Test func roundsDecimalsCorrectly() {
        #expect(JSONValue.parse(Array(#"[305211.06946802142]"#.utf8)) == .array([.double(305211.06946802142)]))
    }

    @Test func convertsFoundationValuesByTheirKind() {
        #expect(JSONValue(foundation: NSNumber(value: true)) == .bool(true))
        #expect(JSONValue(foundation: NSNumber(value: 1)) == .integer(1))
        #expect(JSONValue(foundation: NSNumber(value: 1.5)) == .double(1.5))
        #expect(JSONValue(foundation: NSNumber(value: UInt64.max)) == .double(Double(UInt64.max)))
        #expect(JSONValue(foundation: ["a": [NSNull(), "x"] as [Any]] as [String: Any]) == ["a": [nil, "x"]])
        #expect(JSONValue(foundation: Date()) == .null)
    }

    // MARK: - Helpers

    private static func nearlySame(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        // Foundation reads a negative integer of 19 digits as a double (which it still writes with every digit).
        case (.double, .double), (.integer, .double), (.double, .integer): abs(a.number! - b.number!) <= 4 * a.number!.ulp
        case let (.array(x), .array(y)): x.count == y.count && zip(x, y).allSatisfy { nearlySame($0, $1) }
        case let (.object(x), .object(y)): x.count == y.count && x.allSatisfy { name, value in y[name].map { nearlySame(value, $0) } ?? false }
        default: a == b
        }
    }

    /// The canonical text as the Foundation path wrote it.
    private static func foundationCanonical(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if let text = value as? String { return JSONText.string(text) }
        if let number = value as? NSNumber, String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// An attribute (or event property) value as JSON text: scalars, arrays, and objects for event properties.
    private static func attributeValue(_ random: inout SeededRandom, depth: Int) -> String {
        switch Int.random(in: 0..<(depth < 2 ? 8 : 6), using: &random) {
        case 0: return Spelling.compact.string(ProfileJSONReaderTests.randomText(&random, allowEmpty: true))
        case 1: return String(Int64.random(in: Int64.min...Int64.max, using: &random) >> Int64.random(in: 0...63, using: &random))
        case 2:
            let places = Int.random(in: 0...6, using: &random)
            let number = Double(Int64.random(in: -999_999_999...999_999_999, using: &random)) / pow(10, Double(places))
            return Bool.random(using: &random) ? String(format: "%.\(places)f", number) : String(format: "%.\(places)e", number)
        case 3: return Bool.random(using: &random) ? "true" : "false"
        case 4: return "null"
        case 5: return ["0", "-0", "1.0", "-0.0", "1e2", "1E-2", "100e-2", "0.1", "2.50"].randomElement(using: &random)!
        case 6: return "[" + (0..<Int.random(in: 0...4, using: &random)).map { _ in attributeValue(&random, depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return "{" + (0..<Int.random(in: 0...3, using: &random)).map { index in
                #""k\#(index)":"# + attributeValue(&random, depth: depth + 1)
            }.joined(separator: ",") + "}"
        }
    }
}
