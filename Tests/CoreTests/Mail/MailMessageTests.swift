import Core
import Foundation
import Testing

/// A fixed instant: Sat, 22 Nov 2025 13:01:34 UTC.
let fixedDate = Date(timeIntervalSince1970: 1_763_816_494)

/// A message with the given parts and sensible defaults for the rest.
func message(
    subject: String = "Sync failed",
    text: String = "Hello",
    from: MailAddress? = nil,
    to: [MailAddress]? = nil
) throws -> MailMessage {
    try MailMessage(
        from: from ?? MailAddress("alerts@audiencesync.example", displayName: "AudienceSync"),
        to: to ?? [MailAddress("ops@example.com")],
        subject: subject, text: text, date: fixedDate, messageID: "42.abc@audiencesync.example")
}

/// Instants and their expected `Date` field; typed so the type checker stays fast.
private let dates: [(Double, String)] = [
    (0, "Thu, 01 Jan 1970 00:00:00 +0000"),
    (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000"),
    (-1, "Wed, 31 Dec 1969 23:59:59 +0000"),
    (1_763_816_494.999, "Sat, 22 Nov 2025 13:01:34 +0000"),
]

/// Ways to sneak a line break into a header; typed for the same reason.
private let hostileTexts: [String] = [
    "Alert\r\nBcc: victim@example.com",
    "Alert\nBcc: victim@example.com",
    "Alert\rBcc: victim@example.com",
    "Alert\u{2028}Bcc: victim@example.com",
    "Alert\r\n\r\nInjected body",
    "Alert\u{0}\u{7F}\u{85}\tBcc: victim@example.com",
]

/// Subjects that must be encoded.
private let encodedSubjects: [String] = [
    "Échec de synchronisation",
    "同期に失敗しました: Facebook のオーディエンス「顧客リスト」が見つかりません",
    "Emoji 🚨🔥 alert with family 👨‍👩‍👧 and more text to force several encoded words",
    "=?UTF-8?B?SGk=?= looks encoded but is plain ASCII",
]

struct MailMessageTests {
    @Test func rendersTheExpectedMessage() throws {
        let rendered = try message(text: "Line one\nLine two").rendered()
        #expect(rendered == """
            Date: Sat, 22 Nov 2025 13:01:34 +0000\r
            From: "AudienceSync" <alerts@audiencesync.example>\r
            To: ops@example.com\r
            Subject: Sync failed\r
            Message-ID: <42.abc@audiencesync.example>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            Auto-Submitted: auto-generated\r
            \r
            Line one\r
            Line two\r

            """)
    }

    @Test func everyLineEndsInCRLF() throws {
        let rendered = try message(subject: "a\rb\nc", text: "mixed\rline\nendings\r\nhere\n\n").rendered()
        let bytes = Array(rendered.utf8)
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0D { #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)") }
            if byte == 0x0A { #expect(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)") }
        }
        #expect(rendered.hasSuffix("\r\n"))
        #expect(MailDecoding.split(rendered).body == "mixed\r\nline\r\nendings\r\nhere\r\n\r\n")
    }

    @Test(arguments: hostileTexts)
    func headerInjectionIsNeutralised(hostile: String) throws {
        let from = try MailAddress("alerts@audiencesync.example", displayName: hostile)
        let to = [try MailAddress("ops@example.com", displayName: hostile)]
        let rendered = try message(subject: hostile, from: from, to: to).rendered()
        let header = MailDecoding.split(rendered).header
        let names = ["Date:", "From:", "To:", "Subject:", "Message-ID:", "MIME-Version:", "Content-Type:",
                     "Content-Transfer-Encoding:", "Auto-Submitted:"]
        // Exactly the nine fields, in order; every other header line is a continuation.
        let starts = MailDecoding.lines(header).filter { !$0.hasPrefix(" ") }
        #expect(starts.map { String($0.prefix { $0 != " " }) } == names)
        #expect(!header.contains("\nBcc"))
        #expect(header.utf8.allSatisfy { $0 == 0x0D || $0 == 0x0A || ($0 >= 0x20 && $0 < 0x7F) })
        #expect(MailDecoding.split(rendered).body == "Hello\r\n")
        // The text survives, with the line break turned into spaces.
        let subject = MailDecoding.unstructured(MailDecoding.field("Subject", in: rendered) ?? "")
        #expect(subject.hasPrefix("Alert"))
        #expect(!subject.contains("\r") && !subject.contains("\n"))
    }

    @Test func subjectInjectionBecomesSpaces() throws {
        let rendered = try message(subject: "Alert\r\nBcc: victim@example.com").rendered()
        #expect(MailDecoding.field("Subject", in: rendered) == "Alert  Bcc: victim@example.com")
        #expect(MailDecoding.field("Bcc", in: rendered) == nil)
    }

    @Test(arguments: encodedSubjects)
    func nonASCIISubjectIsEncodedAndDecodesBack(subject: String) throws {
        let rendered = try message(subject: subject).rendered()
        let header = MailDecoding.split(rendered).header
        #expect(header.utf8.allSatisfy { $0 < 0x80 })
        let raw = try #require(MailDecoding.field("Subject", in: rendered))
        #expect(raw.hasPrefix("=?UTF-8?B?"))
        #expect(MailDecoding.unstructured(raw) == subject)
        for line in MailDecoding.lines(header) {
            #expect(line.utf8.count <= 78, "line too long: \(line)")
        }
    }

    @Test func longASCIISubjectIsFoldedAtSpaces() throws {
        let subject = (1...40).map { "word\($0)" }.joined(separator: " ") + "  two  spaces kept"
        let rendered = try message(subject: subject).rendered()
        let lines = MailDecoding.lines(MailDecoding.split(rendered).header)
        let subjectLines = lines.drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 3)
        #expect(subjectLines.allSatisfy { $0.utf8.count <= 78 })
        #expect(subjectLines.dropFirst().allSatisfy { $0.hasPrefix(" ") && !$0.allSatisfy { $0 == " " } })
        #expect(MailDecoding.field("Subject", in: rendered) == subject)
    }

    @Test func unbreakableLongWordIsEncodedSoItCanFold() throws {
        let subject = "See https://audiencesync.example/" + String(repeating: "x", count: 150)
        let rendered = try message(subject: subject).rendered()
        #expect(MailDecoding.lines(MailDecoding.split(rendered).header).allSatisfy { $0.utf8.count <= 78 })
        #expect(MailDecoding.unstructured(MailDecoding.field("Subject", in: rendered) ?? "") == subject)
    }

    @Test func displayNamesAreQuotedOrEncoded() throws {
        let to = [
            try MailAddress("a@example.com", displayName: "Ops, \"Team\" \\ <x@y>"),
            try MailAddress("b@example.com", displayName: "Jürgen Müller"),
            try MailAddress("c@example.com"),
        ]
        let rendered = try message(to: to).rendered()
        let value = try #require(MailDecoding.field("To", in: rendered))
        #expect(value.hasPrefix(#""Ops, \"Team\" \\ <x@y>" <a@example.com>, =?UTF-8?B?"#))
        #expect(value.hasSuffix("?= <b@example.com>, c@example.com"))
        let encodedName = value.split(separator: " ").first { $0.hasPrefix("=?") }.map(String.init) ?? ""
        #expect(MailDecoding.encodedWord(encodedName) == "Jürgen Müller")
    }

    @Test func manyRecipientsFoldBetweenAddresses() throws {
        let to = try (1...12).map { try MailAddress("recipient\($0)@example.com", displayName: "Recipient \($0)") }
        let rendered = try message(to: to).rendered()
        let header = MailDecoding.split(rendered).header
        #expect(MailDecoding.lines(header).allSatisfy { $0.utf8.count <= 78 })
        let value = try #require(MailDecoding.field("To", in: rendered))
        #expect(value == to.map { "\"\($0.displayName!)\" <\($0.address)>" }.joined(separator: ", "))
    }

    @Test func bodyRoundTripsThroughQuotedPrintable() throws {
        let text = """
            Grüße aus Köln — 日本語 🚨
            a=b and =41 are not escapes
            trailing spaces   \("")
            trailing tab\t
            \tleading tab and\u{1}control
            .
            ..
            From the start of a line
            \(String(repeating: "long line ", count: 40))
            \(String(repeating: "ü", count: 100))
            \(String(repeating: "=", count: 80))
            """ + "\r\nwindows\rold mac\n"
        let body = MailDecoding.split(try message(text: text).rendered()).body
        #expect(body.utf8.allSatisfy { $0 < 0x80 })
        #expect(MailDecoding.quotedPrintable(body) == MailDecoding.normalizedLineEndings(text))
        for line in MailDecoding.lines(body) {
            #expect(line.utf8.count <= 76, "line too long: \(line)")
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "trailing blank: \(line)")
        }
    }

    @Test func longLinesAreWrappedWithSoftBreaks() throws {
        let text = String(repeating: "abcdefghij", count: 30) + "\n" + String(repeating: "é", count: 60)
        let body = MailDecoding.split(try message(text: text).rendered()).body
        let lines = MailDecoding.lines(body)
        #expect(lines.count > 6)
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.filter { $0.hasSuffix("=") }.count == lines.count - 2)  // all but the two hard line ends
        // Escapes are never split across a soft break.
        #expect(lines.allSatisfy(MailDecoding.hasWholeEscapes))
        #expect(MailDecoding.quotedPrintable(body) == MailDecoding.normalizedLineEndings(text))
    }

    @Test func emptyBodyIsOneEmptyLine() throws {
        #expect(MailDecoding.split(try message(text: "").rendered()).body == "\r\n")
    }

    @Test(arguments: dates)
    func dateIsRFC5322InUTC(seconds: Double, expected: String) throws {
        let message = try MailMessage(
            from: MailAddress("a@example.com"), to: [MailAddress("b@example.com")], subject: "", text: "",
            date: Date(timeIntervalSince1970: seconds), messageID: "1@example.com")
        #expect(MailDecoding.field("Date", in: message.rendered()) == expected)
    }

    @Test func emptySubjectRendersAnEmptyField() throws {
        #expect(try message(subject: " \r\n ").rendered().contains("\r\nSubject:\r\nMessage-ID:"))
    }

    @Test func envelopeComesFromTheAddresses() throws {
        let message = try message(to: [MailAddress("a@example.com", displayName: "A"), MailAddress("b@example.com")])
        #expect(message.envelopeSender == "alerts@audiencesync.example")
        #expect(message.envelopeRecipients == ["a@example.com", "b@example.com"])
    }

    @Test func messageNeedsRecipientsAndAPlainMessageID() throws {
        let from = try MailAddress("a@example.com")
        #expect(throws: MailFormatError.noRecipients) {
            try MailMessage(from: from, to: [], subject: "", text: "", date: fixedDate, messageID: "1@example.com")
        }
        for id in ["", "no-at-sign", "<1@example.com>", "1@example.com\r\nBcc: x@y", "a b@example.com", "1@", "@x", "1@x@y"] {
            #expect(throws: MailFormatError.invalidMessageID) {
                try MailMessage(from: from, to: [from], subject: "", text: "", date: fixedDate, messageID: id)
            }
        }
    }
}
