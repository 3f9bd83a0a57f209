@testable import Core
import Foundation
import Testing

/// Hex and SHA-256 as every hashed identifier and stored token uses them, and the trimming every identifier goes through.
@Suite struct HexTests {
    @Test func encodesEveryByteAsTwoLowerCaseDigits() {
        let bytes = (0...255).map(UInt8.init)
        #expect(Hex.encode(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.encode([]) == "")
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(Hex.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.sha256("é") == "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c")   // UTF-8 c3 a9
    }

    /// The ASCII shortcut and the Character walk agree: padding goes, whatever sits at either end.
    @Test(arguments: [("a@b.co", "a@b.co"), (" a@b.co\n", "a@b.co"), ("\u{0}x\u{7}", "x"), ("\u{A0}x", "x"), ("x\u{2003}", "x"),
                      ("e\u{301}", "e\u{301}"), ("\u{600}1", "\u{600}1"), ("a b", "a b"), ("   ", ""), ("", ""), ("~", "~"), ("\u{7F}!", "!")])
    func trimsPaddingAtBothEnds(raw: String, trimmed: String) {
        #expect(Normalize.trimmed(raw) == trimmed)
    }
}
