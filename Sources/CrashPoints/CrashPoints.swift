#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A moment of the pipeline where the crash matrix (`make test-crash`) kills `serve`.
public enum CrashPhase: String, CaseIterable, Sendable {
    /// Inside the `/users/track` transaction, before its commit.
    case ingestCommit = "ingest-commit"
    /// Inside the `/canvas/trigger/send` transaction (entries and sync items), before its commit.
    case canvasEntry = "canvas-entry"
    /// Right after a batch was claimed (leased), before anything is sent.
    case claim
    /// While a partner call is in flight (the lease keeper's renewal during the call).
    case partnerCallInFlight = "partner-call-in-flight"
    /// After the partner answered a batch, before the outcome is recorded.
    case afterPartnerAnswered = "after-partner-answered"
    /// After the partner issued new tokens on a refresh, before they are saved.
    case tokenRefresh = "token-refresh"
    /// After Facebook acknowledged a segment-export batch, before the export's cursor moves.
    case segmentExport = "segment-export"
    /// After a CSV import batch's rejected rows were written, before the batch commits.
    case csvImport = "csv-import"
    /// Inside an erasure's transaction (removals queued, identifiers gone), before its commit.
    case erasureCommit = "erasure-commit"
    /// After the partner took a batch of removals (withdrawn or erased users), before the outcome is recorded.
    case removalAnswered = "removal-answered"
}

/// When to crash: `AUDIENCESYNC_CRASH_AT=<phase>` (the first time the phase is reached), `<phase>:<probability>`
/// (each time, with that chance) or `<phase>@<n>` (the n-th time).
public struct CrashPlan: Equatable, Sendable {
    /// The phase that crashes.
    public let phase: CrashPhase
    /// The chance of crashing each time the phase is reached (1 with a countdown).
    public let probability: Double
    /// Crash the n-th time the phase is reached (1 = the first); nil with a probability.
    public let countdown: Int?

    /// Parses the variable's value; nil for anything else (an unknown phase, a probability outside 0...1, n < 1).
    public init?(_ text: String) {
        if let at = text.firstIndex(of: "@") {
            guard let phase = CrashPhase(rawValue: String(text[..<at])), let n = Int(text[text.index(after: at)...]), n >= 1 else { return nil }
            self.phase = phase; probability = 1; countdown = n
        } else if let colon = text.firstIndex(of: ":") {
            guard let phase = CrashPhase(rawValue: String(text[..<colon])), let p = Double(text[text.index(after: colon)...]),
                  p >= 0, p <= 1 else { return nil }
            self.phase = phase; probability = p; countdown = nil
        } else {
            guard let phase = CrashPhase(rawValue: text) else { return nil }
            self.phase = phase; probability = 1; countdown = 1
        }
    }

    /// Whether the `reached`-th arrival at the phase (1-based) crashes, given a uniform `draw` in 0..<1.
    public func fires(reached: Int, draw: Double) -> Bool {
        if let countdown { return reached == countdown }
        return draw < probability
    }
}

/// Test-only crash points: `serve` kills itself with SIGKILL — a real `kill -9`, no cleanup, no flush — at a
/// named phase, so the crash matrix can land kills exactly where a crash hurts most. Inert (one comparison) unless
/// `AUDIENCESYNC_CRASH_AT` is set, which only the reliability suite does.
public enum CrashPoints {
    /// The plan from the environment, read once; an unreadable value is reported and ignored.
    static let plan: CrashPlan? = {
        guard let raw = getenv("AUDIENCESYNC_CRASH_AT") else { return nil }
        let text = String(cString: raw)
        guard let plan = CrashPlan(text) else {
            say("AUDIENCESYNC_CRASH_AT=\(text) is not <phase>, <phase>:<probability> or <phase>@<n>; crash points stay off\n")
            return nil
        }
        return plan
    }()
    private static let arrivals = Counter()
    private static let firing = Counter()

    /// Kills the process here when the plan says so.
    public static func reach(_ phase: CrashPhase) {
        guard let plan, plan.phase == phase else { return }
        guard plan.fires(reached: arrivals.next(), draw: Double.random(in: 0..<1)) else { return }
        // Two threads can fire at once (two lanes' calls in flight): only the first says so and kills, so the suite
        // reads one line per kill; the other waits for the SIGKILL that is already on its way.
        guard firing.next() == 1 else { while true { pause() } }
        say("crash point \(phase.rawValue): SIGKILL\n")   // read by the suite from the app's log
        kill(getpid(), SIGKILL)
    }

    private static func say(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(2, &bytes, bytes.count)
    }

    /// Counts arrivals (and firings) across threads.
    final class Counter: @unchecked Sendable {
        private var value = 0
        private var lock = pthread_mutex_t()
        init() { pthread_mutex_init(&lock, nil) }
        /// 1 for the first caller, 2 for the next, and so on, whichever threads call.
        func next() -> Int {
            pthread_mutex_lock(&lock)
            defer { pthread_mutex_unlock(&lock) }
            value += 1
            return value
        }
    }
}
