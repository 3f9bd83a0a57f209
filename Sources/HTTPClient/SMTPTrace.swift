/// Follows the SMTP conversation through libcurl's protocol trace, to tell which step
/// a refusal answered and what the server said.
///
/// libcurl only reports "RCPT failed: 550" in its error buffer; the trace adds the
/// recipient and the server's text. Commands are classified by their verb and only the
/// `RCPT TO` address is kept, so the lines sent during `AUTH` (the credentials) are
/// never stored.
struct SMTPTrace {
    /// The command a reply answers.
    enum Step: Equatable {
        case greeting, hello, startTLS, authentication, sender, data, quit, other
        case recipient(String)
    }

    /// A final 4xx/5xx reply and the step it answered.
    struct Refusal: Equatable {
        var step: Step
        var code: Int
        var text: String
    }

    /// Longest reply text kept; the rest is cut off.
    static let maxReplyLength = 200

    private(set) var step: Step = .greeting
    /// The first refusal; libcurl gives up on it, so later replies (`QUIT`) are noise.
    private(set) var refusal: Refusal?
    private var replyText: [String] = []

    /// One command line as libcurl sent it.
    mutating func sent(_ line: String) {
        let upper = line.prefix(12).uppercased()
        if upper.hasPrefix("EHLO") || upper.hasPrefix("HELO") {
            step = .hello
        } else if upper.hasPrefix("STARTTLS") {
            step = .startTLS
        } else if upper.hasPrefix("AUTH") {
            step = .authentication
        } else if step == .authentication {
            // SASL continuation lines (credentials): stay in this step, keep nothing.
        } else if upper.hasPrefix("MAIL FROM:") {
            step = .sender
        } else if upper.hasPrefix("RCPT TO:") {
            step = .recipient(Self.bracketed(line))
        } else if upper.hasPrefix("DATA") {
            step = .data
        } else if upper.hasPrefix("QUIT") {
            step = .quit
        } else {
            step = .other
        }
    }

    /// After the SASL exchange the next command is always `MAIL FROM`; this lets a
    /// successful `AUTH` reply end the authentication step.
    private mutating func authenticationEnded() {
        if step == .authentication { step = .other }
    }

    /// One reply line as libcurl received it, e.g. `250-SIZE 1000` or `550 5.1.1 unknown`.
    mutating func received(_ line: String) {
        let trimmed = line.trimmingTrailingNewlines()
        let bytes = Array(trimmed.utf8)
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else { return }
        replyText.append(Self.printable(bytes.dropFirst(4)))
        let isFinal = bytes.count == 3 || bytes[3] != UInt8(ascii: "-")
        guard isFinal else { return }
        defer { replyText = [] }
        if code >= 400, refusal == nil {
            let text = String(replyText.filter { !$0.isEmpty }.joined(separator: " ").prefix(Self.maxReplyLength))
            refusal = Refusal(step: step, code: code, text: text)
        } else if code == 235 {
            authenticationEnded()
        }
    }

    /// The address between `<` and `>`, or what follows the colon.
    private static func bracketed(_ line: String) -> String {
        let afterColon = line.split(separator: ":", maxSplits: 1).dropFirst().first ?? ""
        let start = afterColon.firstIndex(of: "<").map { afterColon.index(after: $0) } ?? afterColon.startIndex
        let end = afterColon[start...].firstIndex(of: ">") ?? afterColon.endIndex
        return String(afterColon[start..<end]).trimmingTrailingNewlines()
    }

    /// Printable ASCII only, so a reply cannot put control characters into a log line.
    private static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var result = self[...]
        while let last = result.unicodeScalars.last, last == "\r" || last == "\n" {
            result = result.dropLast()
        }
        return String(result)
    }
}
