import Core
import Testing

/// The external id every API object and CSV row must carry: trimmed, 1 to 512 characters, no control characters.
@Suite struct ExternalIDRulesTests {
    static let accepted: [(String, String)] = [
        ("u1", "u1"), (" u1\n", "u1"), ("\u{A0}u 1\u{2003}", "u 1"), ("naïve", "naïve"),
        (String(repeating: "x", count: 512), String(repeating: "x", count: 512)),
        (String(repeating: "é", count: 512), String(repeating: "é", count: 512)),   // 1,024 bytes, 512 characters
    ]

    @Test(arguments: accepted)
    func acceptsAndTrims(raw: String, stored: String) throws {
        #expect(try ProfileValidation.checkedExternalID(.string(raw), field: "external_id").get() == stored)
    }

    static let refused: [String] = [
        "", "   ", String(repeating: "x", count: 513), String(repeating: "é", count: 513),
        "a\u{7}b", "a\tb", "a\u{7F}b", "é\u{85}x", "a\u{0}",
    ]

    @Test(arguments: refused)
    func refuses(raw: String) {
        #expect(throws: TextProblem.self) { try ProfileValidation.checkedExternalID(.string(raw), field: "external_id").get() }
    }

    @Test func namesTheFieldWhenRefusingAnythingButText() {
        #expect(throws: TextProblem("user_id is required: a non-empty string of at most 512 characters.")) {
            try ProfileValidation.checkedExternalID(7, field: "user_id").get()
        }
    }
}
