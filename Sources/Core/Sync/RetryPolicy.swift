import Foundation

/// What to do with items after a partner error.
public enum RetryDecision: Sendable, Equatable {
    /// Keep them pending and try again at this time.
    case retry(at: Date)
    /// Give up: they count as Users Errored with the reason.
    case giveUp(reason: String)
}

/// Retries by error class (design.md §3): throttled and transient errors back off exponentially with jitter;
/// problems a person must fix (audience deleted, terms, permission) are re-checked every quarter hour so a fix
/// rescues the items; removals from too-small audiences wait as Pending removal, re-tried hourly with no deadline
/// (they are not failures); nothing else outlives the deadline.
public struct RetryPolicy: Sendable {
    /// How long after an item's first attempt it may still be retried (Braze: about 13 hours).
    public var deadline: TimeInterval = 13 * 3600
    /// The first backoff.
    public var base: TimeInterval = 5
    /// The longest backoff.
    public var cap: TimeInterval = 3600
    /// How often problems a person must fix are re-checked.
    public var fixRecheck: TimeInterval = 15 * 60
    /// How often a removal from a too-small audience is tried again.
    public var tooSmallRecheck: TimeInterval = 3600
    /// How long before the deadline the last try goes when the next backoff would fall after it.
    public var lastTryMargin: TimeInterval = 60

    /// Creates the default policy.
    public init() {}

    /// The backoff after `attempts` tries: base·2^(attempts−1), capped, scaled by `jitter` (0…1) into [½, 1]
    /// of that, so workers that failed together do not retry together.
    public func backoff(attempts: Int, jitter: Double) -> TimeInterval {
        let exponent = Double(max(0, min(attempts - 1, 30)))
        let full = min(cap, base * pow(2, exponent))
        return full * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }

    /// The decision for items that failed with `error` on their `attempts`-th try, first tried at `firstAttempt`.
    public func decide(_ error: PartnerError, attempts: Int, firstAttempt: Date, now: Date, jitter: Double) -> RetryDecision {
        let wait: TimeInterval
        switch error {
        case .throttled(let retryAfter, _): wait = max(retryAfter ?? 0, backoff(attempts: attempts, jitter: jitter))
        case .transient: wait = backoff(attempts: attempts, jitter: jitter)
        case .authInvalid: wait = 60   // sent again once the connection is repaired (the engine skips invalid ones)
        case .audienceGone, .termsNotAccepted, .permissionDenied: wait = fixRecheck
        case .audienceTooSmallToRemove: wait = tooSmallRecheck
        case .invalidData, .permanent: return .giveUp(reason: error.message)
        }
        let at = now.addingTimeInterval(wait)
        // Pending removals do not fail at the deadline: they go once the audience is large enough.
        if case .audienceTooSmallToRemove = error { return .retry(at: at) }
        let deadlineAt = firstAttempt.addingTimeInterval(deadline)
        guard at > deadlineAt else { return .retry(at: at) }
        // A backoff of up to an hour would otherwise give up that hour early: a partner back at 12:50 of a 13-hour
        // deadline must still get the users. The last try goes just before the deadline — never before a wait the
        // partner asked for.
        let lastTry = deadlineAt.addingTimeInterval(-lastTryMargin)
        if lastTry > now, lastTry >= now.addingTimeInterval(Self.partnerWait(error)) { return .retry(at: lastTry) }
        return .giveUp(reason: "Not synced within \(Int(deadline / 3600)) hours: \(error.message)")
    }

    /// The wait the partner itself asked for (a throttle's `Retry-After`), which no retry may cut short.
    static func partnerWait(_ error: PartnerError) -> TimeInterval {
        if case .throttled(let retryAfter, _) = error { return retryAfter ?? 0 }
        return 0
    }
}
