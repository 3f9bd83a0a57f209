import Foundation

/// How long one dashboard request may keep asking partners before it answers (reliability.md N-10).
///
/// A page that calls partners while the browser waits (launch asks every partner about its accounts and creates
/// each new audience) must answer well before nginx gives up on it (`fastcgi_read_timeout` 60 s) — otherwise the
/// marketer sees a 504 while the launch goes on behind it. Each dashboard call is bounded by its own libcurl
/// time-out (`pageCallTimeout`); a page stops starting new calls once `budget` has passed, so it answers within
/// `budget + pageCallTimeout` at worst. Measured on the real clock: the test clock does not move by itself.
public struct PageDeadline {
    /// Seconds after which no new partner call starts.
    public static let budget: Double = 15
    /// libcurl's total time-out for the dashboard's partner calls (the sync engine keeps its own 30 s).
    public static let pageCallTimeout: Double = 20

    private let started = ContinuousClock.now

    /// Whether the page should stop asking partners and answer with what it has.
    var isSpent: Bool { ContinuousClock.now - started > .seconds(Self.budget) }
}
