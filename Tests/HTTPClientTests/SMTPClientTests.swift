import Core
import Foundation
import HTTPClient
import TestSupport

private let fixedDate = Date(timeIntervalSince1970: 1_763_816_494)
import Testing

/// The client against a real SMTP server (aiosmtpd) on loopback.
struct SMTPClientTests {
    private let password = "s3cret-Pa55word"

    @Test func messageArrivesWithEnvelopeAndDecodedBody() throws {
        let sink = try SMTPSink()
        let text = "Facebook: the audience “Customers” no longer exists.\n\nOpen: https://audiencesync.example/canvas/7\n"
        let mail = try MailMessage(
            from: MailAddress("alerts@audiencesync.example", displayName: "AudienceSync"),
            to: [MailAddress("ops@example.com", displayName: "Opérations")],
            subject: "[AudienceSync] Action needed: Échec de synchronisation 🚨", text: text,
            date: fixedDate, messageID: "42.abc@audiencesync.example")

        try SMTPClient(settings: .init(url: sink.url())).send(
            from: mail.envelopeSender, to: mail.envelopeRecipients, data: mail.rendered())

        let received = try #require(try sink.messages().first)
        #expect(try sink.messages().count == 1)
        #expect(received.mailFrom == "alerts@audiencesync.example")
        #expect(received.rcptTos == ["ops@example.com"])
        #expect(received.data == mail.rendered())
        #expect(received.authUser == nil)
        let parsed = received.parsed
        #expect(parsed.error == nil)
        #expect(parsed.defects == [])
        #expect(parsed.subject == mail.subject)
        #expect(parsed.from == "AudienceSync <alerts@audiencesync.example>")
        #expect(parsed.to == "Opérations <ops@example.com>")
        #expect(parsed.date == "Sat, 22 Nov 2025 13:01:34 +0000")
        #expect(parsed.messageId == "<42.abc@audiencesync.example>")
        #expect(parsed.autoSubmitted == "auto-generated")
        #expect(parsed.contentType == "text/plain")
        #expect(parsed.charset == "utf-8")
        #expect(parsed.text?.replacingOccurrences(of: "\r\n", with: "\n") == text)
    }

    @Test func twoRecipientsGetOneMessage() throws {
        let sink = try SMTPSink()
        try SMTPClient(settings: .init(url: sink.url())).send(
            from: "alerts@audiencesync.example", to: ["a@example.com", "b@example.org"],
            data: "Subject: two\r\n\r\nhello\r\n")
        let received = try sink.messages()
        #expect(received.count == 1)
        #expect(received.first?.rcptTos == ["a@example.com", "b@example.org"])
    }

    @Test func rejectedRecipientStopsTheSendAndIsNamed() throws {
        let sink = try SMTPSink(["--reject", "gone@example.com"])
        let client = SMTPClient(settings: .init(url: sink.url()))
        let error = try #require(throws: MailError.self) {
            try client.send(from: "alerts@audiencesync.example", to: ["ops@example.com", "gone@example.com"],
                            data: "Subject: x\r\n\r\nbody\r\n")
        }
        guard case .recipientRejected(let recipient, let code, let reply) = error else {
            Issue.record("expected recipientRejected, got \(error)")
            return
        }
        #expect(recipient == "gone@example.com")
        #expect(code == 550)
        #expect(reply == "5.1.1 <gone@example.com>: Recipient address rejected: User unknown")
        #expect(error.description == "mail server refused recipient gone@example.com: server said 550 "
            + "5.1.1 <gone@example.com>: Recipient address rejected: User unknown")
        #expect(try sink.messages().isEmpty)  // all or nothing: the accepted recipient got nothing either
    }

    @Test func loginIsUsedWhenConfigured() throws {
        let sink = try SMTPSink(["--auth", "mailer:\(password)"])
        let settings = SMTPSettings(url: sink.url(), username: "mailer", password: password, allowsCleartextCredentials: true)
        try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "Subject: x\r\n\r\ny\r\n")
        #expect(try sink.messages().map(\.authUser) == ["mailer"])
    }

    @Test func wrongPasswordIsAuthenticationFailedWithoutThePassword() throws {
        let sink = try SMTPSink(["--auth", "mailer:\(password)"])
        let wrong = "Wr0ng-\(password)"
        let settings = SMTPSettings(url: sink.url(), username: "mailer", password: wrong, allowsCleartextCredentials: true)
        let error = try #require(throws: MailError.self) {
            try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        }
        #expect(error == .authenticationFailed(code: 535, reply: "5.7.8 Authentication credentials invalid"))
        for text in [error.description, String(reflecting: error), "\(error)", String(describing: settings)] {
            #expect(!text.contains(wrong))
            #expect(!text.contains(password))
        }
        var dumped = ""
        dump(settings, to: &dumped)
        #expect(!dumped.contains(wrong))
        #expect(try sink.messages().isEmpty)
    }

    @Test func missingLoginIsReportedAtTheSender() throws {
        let sink = try SMTPSink(["--auth", "mailer:\(password)"])
        let error = try #require(throws: MailError.self) {
            try SMTPClient(settings: .init(url: sink.url())).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        }
        #expect(error == .senderRejected(code: 530, reply: "5.7.0 Authentication required"))
    }

    @Test func refusedMessageIsMessageRejected() throws {
        let sink = try SMTPSink(["--reject-data"])
        let error = try #require(throws: MailError.self) {
            try SMTPClient(settings: .init(url: sink.url())).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        }
        #expect(error == .messageRejected(code: 554, reply: "5.6.0 Message refused by policy"))
    }

    @Test func nothingListeningIsCouldNotConnectQuickly() {
        // Port 1 (tcpmux) has no listener on a test machine; unprivileged code cannot bind it.
        let started = ContinuousClock.now
        #expect(throws: MailError.couldNotConnect(host: "127.0.0.1")) {
            try SMTPClient(settings: .init(url: "smtp://127.0.0.1:1")).send(from: "a@example.com", to: ["b@example.com"], data: "x")
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func silentServerTimesOut() throws {
        let sink = try SMTPSink(["--mute"])
        let settings = SMTPSettings(url: sink.url(), timeouts: .init(connect: 1, total: 0.5))
        let started = ContinuousClock.now
        #expect(throws: MailError.timedOut) {
            try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "x")
        }
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test func requiredTLSWithoutSTARTTLSIsRefused() throws {
        let sink = try SMTPSink()
        let settings = SMTPSettings(url: sink.url(), requireTLS: true)
        #expect(throws: MailError.tlsUnavailable) {
            try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "x")
        }
        #expect(try sink.messages().isEmpty)
    }

    @Test func linesOfDotsArriveIntact() throws {
        let sink = try SMTPSink()
        let data = "Subject: dots\r\n\r\nbefore\r\n.\r\n..\r\n. space\r\n.\r\nafter"
        try SMTPClient(settings: .init(url: sink.url())).send(from: "a@example.com", to: ["b@example.com"], data: data)
        // The server removed the stuffing again; the missing final CRLF was added by curl.
        #expect(try sink.messages().map(\.data) == [data + "\r\n"])
    }

    @Test func bareLineBreaksAreSentAsCRLF() throws {
        let sink = try SMTPSink()
        // A bare LF before "." is the SMTP smuggling pattern; it must arrive as a dot line, not end the data.
        let data = "Subject: lf\n\nbefore\n.\nMAIL FROM:<evil@example.com>\rafter\n"
        try SMTPClient(settings: .init(url: sink.url())).send(from: "a@example.com", to: ["b@example.com"], data: data)
        let received = try sink.messages()
        #expect(received.map(\.data) == ["Subject: lf\r\n\r\nbefore\r\n.\r\nMAIL FROM:<evil@example.com>\r\nafter\r\n"])
    }

    @Test func urlPathIsTheEHLOName() throws {
        let sink = try SMTPSink()
        try SMTPClient(settings: .init(url: sink.url("/notify.audiencesync.example")))
            .send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        #expect(try sink.messages().map(\.helo) == ["notify.audiencesync.example"])
    }
}
