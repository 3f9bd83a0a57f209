@testable import Core
import Foundation
import Testing

/// The byte reader (`JSONValueReader`) reading stored profiles must read every text exactly as Foundation does, or leave it to Foundation.
@Suite struct ProfileJSONReaderTests {
    /// Random profiles, each written in several JSON spellings: the reader answers for all, reads exactly the values
    /// written (numbers correctly rounded, as `Double("…")` reads them), and agrees with Foundation — which rounds a
    /// decimal of 17 significant digits up to two units in the last place off (`305211.06946802142` reads as
    /// `305211.0694680215`).
    @Test func readsRandomProfilesAsWrittenAndAsFoundationDoes() throws {
        var random = SeededRandom(seed: 17)
        for round in 0..<1_500 {
            let members = (0..<Int.random(in: 0...8, using: &random)).map { _ in
                (Self.randomText(&random, allowEmpty: false), Self.randomValue(&random, depth: 0))
            }
            var seen = Set<String>()
            let unique = members.filter { seen.insert($0.0).inserted }
            let written = Dictionary(uniqueKeysWithValues: unique.map { ($0.0, $0.1.profileValue) })
            for spelling in Spelling.allCases {
                let text = spelling.object(unique)
                let read = try #require(JSONValueReader.object(text, as: ProfileValue.self), "the reader left round \(round) to Foundation: \(text)")
                #expect(read == written, "round \(round), \(spelling): \(text)")
                let foundation = try #require(ProfileValue.parseObjectWithFoundation(json: text), "Foundation refused round \(round): \(text)")
                #expect(Self.nearlySame(read, foundation), "round \(round), \(spelling): \(text)")
            }
        }
    }

    private static func nearlySame(_ a: [String: ProfileValue], _ b: [String: ProfileValue]) -> Bool {
        a.count == b.count && a.allSatisfy { name, value in b[name].map { nearlySame(value, $0) } ?? false }
    }

    private static func nearlySame(_ a: ProfileValue, _ b: ProfileValue) -> Bool {
        switch (a, b) {
        case let (.number(x), .number(y)): abs(x - y) <= 4 * x.ulp
        case let (.array(x), .array(y)): x.count == y.count && zip(x, y).allSatisfy { nearlySame($0, $1) }
        default: a == b
        }
    }

    /// Texts the reader leaves to Foundation, and what `parseObject` then answers (Foundation's reading).
    static let declined: [String] = [
        #"{"a":1,"a":2}"#,                       // duplicate names: which one wins is Foundation's to say
        #"{"a":"\ud800"}"#, #"{"a":"\udc00x"}"#,   // lone surrogates
        #"{"a":123456789012345678901234}"#,      // beyond Int64
        #"{"a":1e400}"#,                         // not finite
        #"{"a":01}"#, #"{"a":1.}"#, #"{"a":-}"#, #"{"a":.5}"#,
        "{\"a\":\"tab\there\"}",                  // a raw control character
        #"{"a":1} x"#, #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":tru}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#,
        #"{"a":[1,]}"#, #"{"a":"open}"#, "{", "",
        "[1]", #""text""#, "null",
        String(repeating: #"{"a":["#, count: 20) + "1" + String(repeating: "]}", count: 20),   // deeper than the reader goes
    ]

    @Test(arguments: declined)
    func leavesOddTextsToFoundation(json: String) {
        #expect(JSONValueReader.object(json, as: ProfileValue.self) == nil)
        #expect(ProfileValue.parseObject(json: json) == ProfileValue.parseObjectWithFoundation(json: json))
    }

    @Test func readsEscapesAndNestedObjectsAsFoundationDoes() throws {
        let text = #"{"e":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00","o":{"x":[1,{"y":null}]},"l":[{"z":1},"k"],"neg":-0,"exp":2.5E-3}"#
        let read = try #require(JSONValueReader.object(text, as: ProfileValue.self))
        #expect(read == ProfileValue.parseObjectWithFoundation(json: text))
        #expect(read["e"] == .string("a\"b\\c/d\u{8}\u{c}\n\r\té😀"))
        #expect(read["o"] == .null)
        #expect(read["l"] == .array([.null, .string("k")]))
        #expect(read["neg"] == .number(0))
        #expect(read["exp"] == .number(0.0025))
    }

    // MARK: - Generators

    static func randomValue(_ random: inout SeededRandom, depth: Int) -> Generated {
        switch Int.random(in: 0..<(depth < 2 ? 9 : 6), using: &random) {
        case 0: return .string(randomText(&random, allowEmpty: true))
        case 1: return .integer(Int64.random(in: Int64.min...Int64.max, using: &random) >> Int64.random(in: 0...63, using: &random))
        case 2: return .decimal(Double.random(in: -1e6...1e6, using: &random), Int.random(in: 0...17, using: &random))
        case 3: return .bool(Bool.random(using: &random))
        case 4: return .null
        case 5: return .integer(Int64.random(in: -2...2, using: &random))
        case 6, 7: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            return .object((0..<Int.random(in: 0...3, using: &random)).map { index in
                ("k\(index)", randomValue(&random, depth: depth + 1))
            })
        }
    }

    private static let alphabet: [Character] = Array("abcXYZ019 _-@.+/\\\"'é中😀\u{1}\u{1F}\u{7F}\u{2028}\t\n") + ["e\u{301}"]

    static func randomText(_ random: inout SeededRandom, allowEmpty: Bool) -> String {
        String((0..<Int.random(in: (allowEmpty ? 0 : 1)...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }
}

/// A value to spell as JSON.
indirect enum Generated {
    case string(String), integer(Int64), decimal(Double, Int), bool(Bool), null
    case array([Generated]), object([(String, Generated)])

    /// What a profile holds after reading it: the decimal as its written text reads (correctly rounded), nested
    /// objects as missing.
    var profileValue: ProfileValue {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .number(Double(number))
        case .decimal: .number(Double(Spelling.compact.value(self))!)
        case .bool(let flag): .bool(flag)
        case .null, .object: .null
        case .array(let elements): .array(elements.map(\.profileValue))
        }
    }

    /// What a request body holds after reading it: a decimal written without a fraction or exponent (`%.0f`) is an
    /// integer, as Foundation reads it.
    var jsonValue: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .decimal:
            Spelling.compact.value(self).contains(where: { ".eE".contains($0) })
                ? .double(Double(Spelling.compact.value(self))!) : .integer(Int64(Spelling.compact.value(self))!)
        case .bool(let flag): .bool(flag)
        case .null: .null
        case .array(let elements): .array(elements.map(\.jsonValue))
        case .object(let members): .object(Dictionary(members.map { ($0.0, $0.1.jsonValue) }, uniquingKeysWith: { $1 }))
        }
    }
}

/// Ways of writing the same JSON: compact with minimal escapes (as SQLite stores it), spaced, and with every
/// non-ASCII character and the solidus escaped.
enum Spelling: CaseIterable {
    case compact, spaced, escaped

    func object(_ members: [(String, Generated)]) -> String {
        let space = self == .spaced ? " \n\t" : ""
        let body = members.map { "\(space)\(string($0.0))\(space):\(space)\(value($0.1))" }.joined(separator: ",")
        return "\(space){\(body)\(space)}\(space)"
    }

    func value(_ value: Generated) -> String {
        switch value {
        case .string(let text): string(text)
        case .integer(let number): String(number)
        case .decimal(let number, let places): String(format: places % 3 == 0 ? "%.\(places)e" : "%.\(places)f", number)
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array(let elements): "[" + elements.map(self.value).joined(separator: self == .spaced ? " , " : ",") + "]"
        case .object(let members): object(members)
        }
    }

    func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += self == .escaped ? "\\u0009" : "\\t"
            case "/" where self == .escaped: out += "\\/"
            case _ where scalar.value < 0x20 || (self == .escaped && scalar.value > 0x7E):
                for unit in String(scalar).utf16 { out += String(format: "\\u%04x", unit) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A small deterministic generator (SplitMix64), so a failure repeats.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
