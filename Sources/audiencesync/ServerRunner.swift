import Dispatch
import Foundation
import FastCGI
import Logging

/// Runs a FastCGI responder until SIGTERM or SIGINT, then drains it: what `serve` and `sandbox` share.
enum ServerRunner {
    /// Starts `responder` on `socket`, waits for a shutdown signal, and stops after in-flight requests finish.
    /// The caller must have called `SignalWaiter.blockShutdownSignals()` before starting any thread.
    /// A second signal while it stops calls `onSecondSignal` (from its own thread), which should end the process.
    static func run(_ responder: any Responder, socket: String, threads: Int, maxBodyBytes: Int, spool: UploadSpool? = nil, logger: Logger,
                    onSecondSignal: (@Sendable (Int32) -> Void)? = nil) throws {
        var configuration = FastCGIServerConfiguration(socketPath: socket, threads: threads, maxBodyBytes: maxBodyBytes)
        configuration.spool = spool
        let server = FastCGIServer(configuration: configuration, responder: responder)
        try server.start()
        logger.info("listening on \(socket) with \(threads) threads")
        let signal = SignalWaiter.wait()
        logger.info("signal \(signal): finishing \(server.requestsInFlight) request(s) in flight")
        if let onSecondSignal {
            // The signals stay blocked in every thread, so this sigwait is the only one to see the next one.
            Thread.detachNewThread { onSecondSignal(SignalWaiter.wait()) }
        }
        let started = DispatchTime.now()
        let drained = server.stop()
        let millis = (DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000
        logger.info(drained ? "stopped cleanly in \(millis) ms" : "stopped with requests still running after the drain timeout")
    }
}
