@testable import Core
import Testing

/// Emails of printable ASCII are normalized on their bytes; the result must be exactly what the Character-by-Character
/// rules give.
@Suite struct EmailFastPathTests {
    @Test func agreesWithTheCharacterRulesOnRandomASCII() {
        var random = SeededRandom(seed: 41)
        let alphabet = Array(" ..@@aZzA09_+-~!\"'()<>,;:[]\\`{}|^%$#&*=?/")
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...14, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            #expect(Normalize.printableASCIIEmail(text) == Normalize.emailByCharacters(text), "\(text)")
        }
    }

    @Test func stripsSpacesAndDotsAtTheEndsAndLowersTheCase() {
        #expect(Normalize.email("  .John.Doe@Example.COM. ") == "john.doe@example.com")
        #expect(Normalize.email(" . . ") == "")
    }

    @Test(arguments: ["a\tb@c.co", "É@b.co", "a@b.co\n", "\u{7F}a@b.co"])
    func leavesOtherTextToTheCharacterRules(text: String) {
        #expect(Normalize.printableASCIIEmail(text) == nil)
        #expect(Normalize.email(text) == Normalize.emailByCharacters(text))
    }
}
