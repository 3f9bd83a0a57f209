import HTTPClient
import TestSupport
import Testing

/// TLS against the sink's throwaway certificate: verification is always on, so the tests
/// either trust it explicitly or expect the send to fail.
struct SMTPTLSTests {
    @Test func requiredSTARTTLSEncryptsTheConversation() throws {
        let sink = try SMTPSink(["--starttls", "--auth", "mailer:pw"])
        let settings = SMTPSettings(
            url: sink.url(), username: "mailer", password: "pw", requireTLS: true, caBundlePath: sink.certificatePath)
        try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        let received = try sink.messages()
        #expect(received.map(\.tls) == [true])
        #expect(received.map(\.authUser) == ["mailer"])
    }

    @Test func offeredSTARTTLSIsUsedWithoutBeingRequired() throws {
        let sink = try SMTPSink(["--starttls"])
        let settings = SMTPSettings(url: sink.url(), caBundlePath: sink.certificatePath)
        try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        #expect(try sink.messages().map(\.tls) == [true])
    }

    @Test func offeredSTARTTLSWithAnUntrustedCertificateDoesNotFallBackToClear() throws {
        let sink = try SMTPSink(["--starttls"])
        let error = try #require(throws: MailError.self) {
            try SMTPClient(settings: .init(url: sink.url())).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        }
        guard case .tlsFailed = error else {
            Issue.record("expected tlsFailed, got \(error)")
            return
        }
        #expect(try sink.messages().isEmpty)
    }

    @Test func plainServerWithoutSTARTTLSIsUsedInClearUnlessTLSIsRequired() throws {
        let sink = try SMTPSink()
        try SMTPClient(settings: .init(url: sink.url())).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        #expect(try sink.messages().map(\.tls) == [false])
    }

    @Test func smtpsSpeaksTLSFromTheStart() throws {
        let sink = try SMTPSink(["--tls"])
        let settings = SMTPSettings(url: "smtps://127.0.0.1:\(sink.port)", caBundlePath: sink.certificatePath)
        try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        #expect(try sink.messages().map(\.tls) == [true])
    }

    @Test func untrustedCertificateIsTLSFailed() throws {
        let sink = try SMTPSink(["--starttls"])
        let error = try #require(throws: MailError.self) {
            try SMTPClient(settings: .init(url: sink.url(), requireTLS: true))
                .send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        }
        guard case .tlsFailed = error else {
            Issue.record("expected tlsFailed, got \(error)")
            return
        }
        #expect(try sink.messages().isEmpty)
    }

    @Test func smtpsAgainstAPlainServerFails() throws {
        let sink = try SMTPSink()
        let settings = SMTPSettings(url: "smtps://127.0.0.1:\(sink.port)", timeouts: .init(connect: 2, total: 3))
        let error = try #require(throws: MailError.self) {
            try SMTPClient(settings: settings).send(from: "a@example.com", to: ["b@example.com"], data: "x\r\n")
        }
        guard case .tlsFailed = error else {
            Issue.record("expected tlsFailed, got \(error)")
            return
        }
        #expect(try sink.messages().isEmpty)
    }
}
