import Core
import Testing

@Suite struct ProfileValueTests {
    static let parsed: [(String, [String: ProfileValue]?)] = [
        (#"{"a":true,"b":false}"#, ["a": .bool(true), "b": .bool(false)]),
        (#"{"one":1,"zero":0}"#, ["one": .number(1), "zero": .number(0)]),     // 0 and 1 stay numbers
        (#"{"n":7.5,"big":12345678901234}"#, ["n": .number(7.5), "big": .number(12_345_678_901_234)]),
        (#"{"s":"US","e":""}"#, ["s": .string("US"), "e": .string("")]),
        (#"{"t":["x",2,true,null]}"#, ["t": .array([.string("x"), .number(2), .bool(true), .null])]),
        (#"{"gone":null}"#, ["gone": .null]),
        (#"{"nested":{"a":1}}"#, ["nested": .null]),                          // unsupported shape counts as missing
        ("{}", [:]),
        ("[1,2]", nil),
        ("\"text\"", nil),
        ("null", nil),
        ("not json", nil),
        ("", nil),
    ]

    @Test(arguments: parsed)
    func parsesStoredAttributes(json: String, expected: [String: ProfileValue]?) {
        #expect(ProfileValue.parseObject(json: json) == expected)
    }
}
