import Foundation
import HTTPClient
import Testing

/// Sends refused before any connection is made.
struct SMTPRefusalTests {
    @Test(arguments: [
        "http://127.0.0.1:25", "file:///etc/passwd", "imap://127.0.0.1", "ftp://127.0.0.1",
        "127.0.0.1:25", "smtp://", "smtp://user:pw@127.0.0.1:1", "smtp://user@127.0.0.1:1", "smtp://exa mple.com",
    ])
    func onlySMTPURLsWithoutCredentialsAreAccepted(url: String) {
        #expect(throws: MailError.invalidURL) {
            try SMTPClient(settings: .init(url: url)).send(from: "a@example.com", to: ["b@example.com"], data: "x")
        }
    }

    @Test func schemesAreCaseInsensitive() {
        // Accepted, so the failure is the connection (nothing listens on port 1).
        for url in ["SMTP://127.0.0.1:1", "Smtps://127.0.0.1:1"] {
            #expect(throws: MailError.couldNotConnect(host: "127.0.0.1")) {
                try SMTPClient(settings: .init(url: url)).send(from: "a@example.com", to: ["b@example.com"], data: "x")
            }
        }
    }

    @Test func credentialsNeedTLSUnlessAllowed() {
        let plain = SMTPSettings(url: "smtp://127.0.0.1:1", username: "u", password: "p")
        #expect(throws: MailError.cleartextCredentials) {
            try SMTPClient(settings: plain).send(from: "a@example.com", to: ["b@example.com"], data: "x")
        }
        let encrypted = [
            SMTPSettings(url: "smtps://127.0.0.1:1", username: "u", password: "p"),
            SMTPSettings(url: "smtp://127.0.0.1:1", username: "u", password: "p", requireTLS: true),
            SMTPSettings(url: "smtp://127.0.0.1:1", username: "u", password: "p", allowsCleartextCredentials: true),
        ]
        for settings in encrypted {
            #expect(throws: MailError.couldNotConnect(host: "127.0.0.1")) {
                try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "x")
            }
        }
    }

    @Test func envelopeAddressesThatCouldBreakTheCommandAreRefused() {
        let client = SMTPClient(settings: .init(url: "smtp://127.0.0.1:1"))
        let cases: [(from: String, to: [String], error: MailError)] = [
            ("", ["b@example.com"], .invalidSender),
            ("a@example.com>\r\nRCPT TO:<x@example.com", ["b@example.com"], .invalidSender),
            ("a b@example.com", ["b@example.com"], .invalidSender),
            ("a@example.com", [], .noRecipients),
            ("a@example.com", ["b@example.com", "<c@example.com>"], .invalidRecipient(index: 1)),
            ("a@example.com", ["b@example.com\nDATA"], .invalidRecipient(index: 0)),
            ("a@example.com", [String(repeating: "x", count: 250) + "@e.com"], .invalidRecipient(index: 0)),
        ]
        for (from, to, expected) in cases {
            #expect(throws: expected) { try client.send(from: from, to: to, data: "x") }
        }
    }

    @Test func settingsNeverShowThePassword() {
        let settings = SMTPSettings(url: "smtps://mail.example.com:465", username: "mailer", password: "hunter2")
        var dumped = ""
        dump(settings, to: &dumped)
        for text in [settings.description, String(reflecting: settings), dumped] {
            #expect(!text.contains("hunter2"))
            #expect(text.contains("mail.example.com"))
        }
    }

    @Test func credentialsInTheURLAreNotShownEither() {
        let settings = SMTPSettings(url: "smtp://mailer:hunter2@mail.example.com:587/ehlo.example")
        var dumped = ""
        dump(settings, to: &dumped)
        #expect(settings.description == "SMTPSettings(smtp://mail.example.com:587, no login, requireTLS: false)")
        #expect(!dumped.contains("hunter2"))
        #expect(SMTPSettings(url: "not a url").description.contains("(unparsable URL)"))
    }

    @Test func errorDescriptionsAreShortEnglish() {
        #expect(MailError.invalidURL.description == "invalid SMTP URL (smtp:// or smtps:// with a host and no credentials)")
        #expect(MailError.couldNotConnect(host: "mail.example.com").description == "could not connect to mail server mail.example.com")
        #expect(MailError.authenticationFailed(code: nil, reply: "").description == "mail server refused the login")
        #expect(MailError.senderRejected(code: 530, reply: "5.7.0 Authentication required").description
            == "mail server refused the sender: server said 530 5.7.0 Authentication required")
        #expect(MailError.tlsUnavailable.description == "mail server does not offer STARTTLS, which is required")
    }
}
