import Logging
import Synchronization

/// Keeps the messages a logger wrote, so tests can read what an operator's log file would hold.
public final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// The messages so far, oldest first.
    public var all: [String] { lines.withLock { $0 } }

    /// Forgets the messages so far.
    public func clear() { lines.withLock { $0.removeAll() } }

    /// A logger whose every message is appended here (levels from `trace` up).
    public func logger(label: String) -> Logger {
        Logger(label: label) { _ in Handler(sink: self) }
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let sink: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) { sink.append(event.message.description) }
    }
}
