import Foundation

/// Blocks SIGTERM, SIGINT and SIGPIPE in the calling thread (and every thread it starts afterwards) so
/// that a signal is only ever received by ``wait()``, never by an arbitrary worker.
///
/// libfcgi installs its own SIGTERM handler that merely sets a flag, which never wakes threads blocked in
/// `accept` (platform-notes.md). Blocking the signals and taking them with `sigwait` side-steps that handler
/// and keeps all shutdown work out of signal context.
public enum SignalWaiter {
    /// Blocks the shutdown signals; call before starting any thread.
    public static func blockShutdownSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits until SIGTERM or SIGINT arrives and returns its number. SIGPIPE is swallowed.
    public static func wait() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGPIPE)
        while true {
            var signal: Int32 = 0
            if sigwait(&set, &signal) == 0, signal != SIGPIPE { return signal }
        }
    }
}
