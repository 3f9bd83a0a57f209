import Core
import Foundation
import Testing

/// One body, two parts: the text and the HTML say the same, links are real anchors, nothing typed becomes markup,
/// and the message carries both as `multipart/alternative`.
@Suite struct MailBodyTests {
    let body = MailBody([
        .paragraph("Canvas “Spring <sale>”: the audience no longer exists\n\nFacebook said: gone & done"),
        .list(["Gold — Email (Email): 10 sent", "<b>x</b>"]),
        .link(label: "Open", url: "https://audiencesync.example/canvases/7/steps/9?a=1&b=2"),
    ])

    @Test func theTextPartReadsAsBefore() {
        #expect(body.text == """
            Canvas “Spring <sale>”: the audience no longer exists

            Facebook said: gone & done

            • Gold — Email (Email): 10 sent
            • <b>x</b>

            Open: https://audiencesync.example/canvases/7/steps/9?a=1&b=2
            """)
    }

    @Test func theHTMLPartEscapesEveryTextAndLinksTheURL() {
        let html = body.html
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<p>Canvas “Spring &lt;sale&gt;”: the audience no longer exists</p>\n<p>Facebook said: gone &amp; done</p>"))
        #expect(html.contains("<ul>\n<li>Gold — Email (Email): 10 sent</li>\n<li>&lt;b&gt;x&lt;/b&gt;</li>\n</ul>"))
        #expect(html.contains(#"<p><a href="https://audiencesync.example/canvases/7/steps/9?a=1&amp;b=2">Open</a></p>"#))
        #expect(MailBody([.paragraph("one\ntwo")]).html.contains("<p>one<br>\ntwo</p>"))
        #expect(MailBody([.link(label: "x", url: "\" onclick=\"alert(1)")]).html.contains(#"href="&quot; onclick=&quot;alert(1)""#))
    }

    @Test func aMessageWithHTMLIsMultipartAlternativeTextFirst() throws {
        let mail = try MailMessage(from: MailAddress("alerts@audiencesync.example"), to: [MailAddress("ops@example.com")],
                                   subject: "Alert", text: body.text, html: body.html, date: fixedDate, messageID: "42.abc@audiencesync.example")
        let rendered = mail.rendered()
        let (_, content) = MailDecoding.split(rendered)
        let type = try #require(MailDecoding.field("Content-Type", in: rendered))
        #expect(type == #"multipart/alternative; boundary="=_audiencesync_alternative""#)
        #expect(MailDecoding.field("Auto-Submitted", in: rendered) == "auto-generated")
        // Delimiter, part headers, blank line, quoted-printable content; the closing delimiter last.
        let pieces = content.components(separatedBy: "--=_audiencesync_alternative")
        #expect(pieces.count == 4 && pieces[0].isEmpty && pieces[3] == "--\r\n")
        for (piece, subtype, expected) in [(pieces[1], "plain", body.text), (pieces[2], "html", body.html)] {
            #expect(piece.hasPrefix("\r\n"))
            let (header, encoded) = MailDecoding.split(String(piece.dropFirst()))   // "\r\n" is one Character
            #expect(header == "Content-Type: text/\(subtype); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable")
            #expect(MailDecoding.lines(encoded).allSatisfy { $0.utf8.count <= 76 })
            let decoded = try #require(MailDecoding.quotedPrintable(encoded))
            #expect(decoded.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines) == expected.trimmingCharacters(in: .newlines))
        }
        // Without HTML the message stays one text/plain part, as before.
        let plain = try MailMessage(from: MailAddress("alerts@audiencesync.example"), to: [MailAddress("ops@example.com")],
                                    subject: "Alert", text: body.text, date: fixedDate, messageID: "42.abc@audiencesync.example")
        #expect(MailDecoding.field("Content-Type", in: plain.rendered()) == "text/plain; charset=utf-8")
    }
}
