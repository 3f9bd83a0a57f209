import Foundation

/// What happened, for the security log (reliability.md A-12).
public enum SecurityEventKind: String, Sendable, CaseIterable {
    case signInSucceeded = "signin.succeeded"
    case signInFailed = "signin.failed"
    case signedOut = "signout"
    case csrfRefused = "csrf.refused"
    case accessRefused = "access.refused"
    case apiKeyRefused = "api.key_refused"
    case apiKeyCreated = "api_key.created"
    case apiKeyRevoked = "api_key.revoked"
    case partnerConnected = "partner.connected"
    case partnerConnectRefused = "partner.connect_refused"
    case partnerDisconnected = "partner.disconnected"
    case consentPolicyChanged = "consent_policy.changed"
    case personErased = "person.erased"
}

/// One line of the security log: who did what, from where, in which workspace and request.
///
/// Rendered as `security event=… at=…Z request=… workspace=… actor="…" address=… detail="…"` on a single line whatever
/// the values hold: quotes, backslashes and every control character (a newline in a typed email included) are escaped,
/// so nobody can forge a second line (log injection).
public struct SecurityEvent: Sendable, Equatable {
    public let kind: SecurityEventKind
    public let at: Date
    public let requestID: String
    public let workspaceID: Int64?
    /// The account (email as typed, for a failed sign-in), the API key's prefix, or nil when nobody is known.
    public let actor: String?
    public let address: String
    /// Which partner, route or reason; never a secret.
    public let detail: String?

    /// Creates an event.
    public init(kind: SecurityEventKind, at: Date, requestID: String, workspaceID: Int64?, actor: String?, address: String,
                detail: String? = nil) {
        self.kind = kind; self.at = at; self.requestID = requestID; self.workspaceID = workspaceID
        self.actor = actor; self.address = address; self.detail = detail
    }

    /// The log line.
    public var line: String {
        var fields = ["security event=\(kind.rawValue)", "at=\(UTCDate(at).iso8601)", "request=\(Self.quoted(requestID))",
                      "workspace=\(workspaceID.map(String.init) ?? "-")", "actor=\(actor.map(Self.quoted) ?? "-")",
                      "address=\(Self.quoted(address))"]
        if let detail { fields.append("detail=\(Self.quoted(detail))") }
        return fields.joined(separator: " ")
    }

    /// The value as a JSON string (quotes, backslashes and ASCII control characters escaped), cut at 256 characters,
    /// with the invisible characters JSON leaves alone — DEL, C1 controls, line and paragraph separators, bidi and
    /// other format characters — written as `\u{…}` too, so a log viewer shows exactly what was typed.
    static func quoted(_ value: String) -> String {
        let json = JSONText.string(String(String.UnicodeScalarView(value.unicodeScalars.prefix(256))))
        var out = ""
        out.reserveCapacity(json.utf8.count)
        for scalar in json.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension SecurityEvent {
    /// A fresh request id: 16 hex digits, random, so ids from a restarted process never repeat earlier ones.
    public static func newRequestID() -> String {
        let value = UInt64.random(in: .min ... .max)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
