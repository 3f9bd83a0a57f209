import Core
import Foundation
import Testing

@Suite struct JSONTextTests {
    static let awkward = ["", "plain", "quote \" and \\ backslash", "line\nbreak\r\ttab", "\u{01}\u{1F}\u{08}\u{0C}", "slash / kept",
                          "émoji 👩‍💻 and 中文", "é then \"quoted\" 中\n", "\u{7F} del", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]

    @Test(arguments: awkward)
    func writesWhatJSONSerializationWrites(_ value: String) throws {
        let expected = String(decoding: try JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes]), as: UTF8.self)
        #expect(JSONText.stringArray([value]) == expected)
    }

    @Test func readsBackWhatEitherWrites() throws {
        let values = Self.awkward
        #expect(JSONText.parseStringArray(JSONText.stringArray(values)) == values)
        let foundation = String(decoding: try JSONSerialization.data(withJSONObject: values), as: UTF8.self)   // escapes "/" too
        #expect(JSONText.parseStringArray(foundation) == values)
        #expect(JSONText.parseStringArray(#" [ "a" , "\ud83d\ude00" ] "#) == ["a", "😀"])
        #expect(JSONText.parseStringArray("[]") == [])
    }

    @Test(arguments: ["", "[", "[\"a\"", "[\"a\",]", "[1]", "{\"a\":1}", "[\"a\"] x", "[\"\\x\"]", "[\"\u{01}\"]", "[,\"a\"]"])
    func refusesAnythingElse(_ text: String) {
        #expect(JSONText.parseStringArray(text) == nil)
    }
}
