import Testing
@testable import Web

/// The byte-wise HTML escaping every `{{x}}` of the dashboard goes through.
@Suite struct HTMLEscapingTests {
    @Test func theFiveMarkupCharactersAreReplacedAndEverythingElseKept() {
        #expect(HTMLEscaping.escape(#"<a href="x">Tom & Jerry's</a>"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(HTMLEscaping.escape("Café ünïcødé 😀 <b>") == "Café ünïcødé 😀 &lt;b&gt;")
        #expect(HTMLEscaping.escape("1,000,000 synced") == "1,000,000 synced")
        #expect(HTMLEscaping.escape("") == "")
        #expect(HTMLEscaping.escape("&amp;") == "&amp;amp;")
    }
}
