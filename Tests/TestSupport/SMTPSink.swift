import Foundation

/// Runs Tests/Fixtures/smtp_sink.py (aiosmtpd) on a free loopback port for one test and
/// reads back what it received. Each test gets its own instance and record file.
public final class SMTPSink {
    private let fixture: PythonFixture
    private let recordFile: URL
    /// The port it listens on.
    public var port: Int { fixture.port }

    /// `arguments` are the fixture's options, e.g. `["--auth", "user:pw"]`.
    public init(_ arguments: [String] = []) throws {
        recordFile = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString).jsonl")
        fixture = try PythonFixture(script: "smtp_sink.py", arguments: [recordFile.path] + arguments)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: recordFile)
        try? FileManager.default.removeItem(atPath: certificatePath)
    }

    /// `smtp://127.0.0.1:<port>` plus `path` (which libcurl sends as the EHLO name).
    public func url(_ path: String = "") -> String {
        "smtp://127.0.0.1:\(port)\(path)"
    }

    /// The sink's self-signed certificate (with `--starttls` or `--tls`), to trust as a CA.
    public var certificatePath: String {
        recordFile.path + ".cert.pem"
    }

    /// Terminates the sink; safe to call more than once.
    public func stop() { fixture.stop() }

    /// Every message accepted so far, in arrival order. The sink writes the record before
    /// it answers the end of DATA, so a returned `send` is always visible here.
    public func messages() throws -> [ReceivedMail] {
        guard let data = FileManager.default.contents(atPath: recordFile.path) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(ReceivedMail.self, from: Data($0)) }
    }
}

/// One message as the sink recorded it.
public struct ReceivedMail: Decodable, Sendable {
    public var mailFrom: String
    public var rcptTos: [String]
    /// The raw message after the server removed dot-stuffing, CRLF line endings.
    public var data: String
    public var authUser: String?
    public var helo: String?
    /// Whether the message came over TLS (STARTTLS or smtps).
    public var tls: Bool
    /// The message as Python's `email` package reads it.
    public var parsed: ParsedMail
}

/// Headers and body decoded by Python's `email` package (RFC 2047 and quoted-printable
/// undone): an implementation independent of ours.
public struct ParsedMail: Decodable, Sendable {
    public var subject: String?
    public var from: String?
    public var to: String?
    public var date: String?
    public var messageId: String?
    public var autoSubmitted: String?
    public var contentType: String?
    public var charset: String?
    /// The text/plain body (of a multipart/alternative message, its text/plain part).
    public var text: String?
    /// The text/html part, when there is one.
    public var html: String?
    /// A multipart message's parts' content types, in order (empty for a single part).
    public var parts: [String]?
    public var defects: [String]?
    public var error: String?
}
