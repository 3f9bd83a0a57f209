import Foundation

/// Session lifetime rules: 30 minutes idle, 12 hours absolute (design.md §3, reliability.md A-3).
public struct SessionPolicy: Sendable {
    /// Longest pause between two requests.
    public var idleTimeout: TimeInterval = 30 * 60
    /// Longest life of a session whatever the activity.
    public var absoluteTimeout: TimeInterval = 12 * 3600
    /// Creates the default policy.
    public init() {}

    /// Whether a session created at `createdAt`, last used at `lastSeenAt`, is still usable at `now`.
    public func isAlive(createdAt: Date, lastSeenAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(lastSeenAt) < idleTimeout && now.timeIntervalSince(createdAt) < absoluteTimeout
    }
}

/// OAuth `state` rules: single use, bound to the session and the partner, valid 10 minutes.
public enum OAuthStatePolicy {
    /// How long a state is accepted after it was issued.
    public static let lifetime: TimeInterval = 10 * 60
    /// Random bytes in a state (256 bits; the floor is 128).
    public static let byteCount = 32

    /// Why a presented state is refused, or nil when it is good.
    public static func problem(issuedTo session: String, partner: PartnerID, issuedAt: Date,
                               presentedBy currentSession: String, at callbackPartner: PartnerID, now: Date) -> OAuthStateProblem? {
        if session != currentSession { return .otherSession }
        if partner != callbackPartner { return .otherPartner }
        if now.timeIntervalSince(issuedAt) > lifetime { return .expired }
        return nil
    }
}

/// Why an OAuth callback's `state` was refused.
public enum OAuthStateProblem: String, Sendable, Equatable {
    /// No state in the callback.
    case missing
    /// Not a state we issued, or one already used.
    case unknown
    /// Issued to another browser session.
    case otherSession
    /// Issued for another partner's flow.
    case otherPartner
    /// Older than ten minutes.
    case expired

    /// What the error page tells the person.
    public var explanation: String {
        switch self {
        case .missing: "The partner sent us back without the security code we gave it."
        case .unknown: "This sign-in link was already used or was not issued by AudienceSync."
        case .otherSession: "This sign-in was started from another browser session."
        case .otherPartner: "This sign-in was started for another partner."
        case .expired: "This sign-in took longer than ten minutes and expired."
        }
    }
}

/// Sign-in throttling: too many failures per account or per address lock sign-in for a while.
public struct SignInThrottle: Sendable {
    /// The window failures are counted in.
    public var window: TimeInterval = 15 * 60
    /// Failures per account within the window before sign-in to it is refused.
    public var maxFailuresPerAccount = 10
    /// Failures per client address within the window before sign-in from it is refused.
    public var maxFailuresPerAddress = 30
    /// Creates the default policy.
    public init() {}

    /// The start of the counting window for `now`.
    public func windowStart(now: Date) -> Date { now.addingTimeInterval(-window) }

    /// Whether sign-in is refused given the failures counted in the window.
    public func isLocked(accountFailures: Int, addressFailures: Int) -> Bool {
        accountFailures >= maxFailuresPerAccount || addressFailures >= maxFailuresPerAddress
    }
}
