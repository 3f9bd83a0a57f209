import CFastCGI
import Foundation
import Synchronization

/// Settings of a ``FastCGIServer``.
public struct FastCGIServerConfiguration: Sendable {
    /// The unix socket path (or `:port` / `host:port` for TCP) nginx connects to.
    public var socketPath: String
    /// How many threads accept and answer requests. About 32 suits 2 cores (platform-notes.md).
    public var threads: Int
    /// Request bodies above this size are answered 413 without being read.
    public var maxBodyBytes: Int
    /// How long a stop waits for in-flight requests before giving up.
    public var drainTimeout: Double
    /// Upload routes whose POST bodies are written to a file in chunks instead of memory (`Request.bodyFile`).
    public var spool: UploadSpool?

    /// Creates a configuration.
    public init(socketPath: String, threads: Int = 32, maxBodyBytes: Int = 8 << 20, drainTimeout: Double = 4) {
        self.socketPath = socketPath
        self.threads = threads
        self.maxBodyBytes = maxBodyBytes
        self.drainTimeout = drainTimeout
    }
}

/// Where large uploads go: the POST paths that take them, the folder their bodies are written to, and the
/// largest such body.
public struct UploadSpool: Sendable {
    public var paths: Set<String>
    public var directory: String
    public var maxBytes: Int
    /// Whether a request (headers only, before its body is read) may upload at all: only someone allowed to
    /// import gets to put a large body on disk; anyone else is refused without reading it.
    public var admit: @Sendable (Request) -> Bool

    /// Creates the settings.
    public init(paths: Set<String>, directory: String, maxBytes: Int, admit: @escaping @Sendable (Request) -> Bool = { _ in true }) {
        self.paths = paths; self.directory = directory; self.maxBytes = maxBytes; self.admit = admit
    }
}

/// Errors starting the server.
public enum FastCGIServerError: Error, CustomStringConvertible {
    /// The listen socket could not be opened.
    case cannotListen(String)
    public var description: String {
        switch self { case .cannotListen(let path): "cannot listen on FastCGI socket \(path)" }
    }
}

/// A libfcgi responder: N threads each loop on `FCGX_Accept_r` over one listen socket and hand each
/// request to the ``Responder``.
///
/// ``start()`` returns at once; ``stop()`` stops accepting, lets every in-flight request finish, and returns
/// when all threads have ended (or the drain timeout passed).
public final class FastCGIServer: Sendable {
    private let configuration: FastCGIServerConfiguration
    private let responder: any Responder
    private let listenFD = Atomic<Int32>(-1)
    private let running = DispatchGroup()
    private let inFlight = Atomic<Int>(0)

    /// Creates a server; nothing listens until ``start()``.
    public init(configuration: FastCGIServerConfiguration, responder: any Responder) {
        self.configuration = configuration
        self.responder = responder
    }

    /// How many requests are being answered right now.
    public var requestsInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// Opens the socket (replacing a stale one) and starts the accept threads.
    public func start() throws {
        FastCGIServer.initializeLibrary
        let path = configuration.socketPath
        let isUnix = path.hasPrefix("/") || path.hasPrefix(".")
        if isUnix { unlink(path) }
        let fd = FCGX_OpenSocket(path, 1024)
        guard fd >= 0 else { throw FastCGIServerError.cannotListen(path) }
        // nginx workers run as another user; the socket lives in the app's private run folder.
        if isUnix { chmod(path, 0o666) }
        listenFD.store(fd, ordering: .sequentiallyConsistent)
        for index in 0..<max(1, configuration.threads) {
            running.enter()
            let thread = Thread { [self] in
                acceptLoop(fd: fd)
                running.leave()
            }
            thread.name = "fcgi-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops accepting, waits for in-flight requests, closes the socket. Safe to call twice.
    /// - Returns: whether every thread ended before the drain timeout.
    @discardableResult
    public func stop() -> Bool {
        let fd = listenFD.exchange(-1, ordering: .sequentiallyConsistent)
        guard fd >= 0 else { return true }
        // Wakes every thread blocked in accept(); they see the error and leave their loops. (Not
        // FCGX_ShutdownPending: that flag is process-wide and would stop every other server in this process.)
        shutdown(fd, Int32(SHUT_RDWR))
        let drained = running.wait(timeout: .now() + configuration.drainTimeout) == .success
        close(fd)
        if configuration.socketPath.hasPrefix("/") { unlink(configuration.socketPath) }
        return drained
    }

    private static let initializeLibrary: Void = { _ = FCGX_Init() }()

    private func acceptLoop(fd: Int32) {
        // The request lives on this thread for its whole life (libfcgi keeps pointers into it).
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { request.deallocate() }
        guard FCGX_InitRequest(request, fd, 0) == 0 else { return }
        defer { FCGX_Free(request, 0) }
        while FCGX_Accept_r(request) >= 0 {
            inFlight.add(1, ordering: .relaxed)
            answer(request)
            FCGX_Finish_r(request)
            inFlight.subtract(1, ordering: .relaxed)
            if listenFD.load(ordering: .relaxed) < 0 { break }
        }
    }

    private func answer(_ request: UnsafeMutablePointer<FCGX_Request>) {
        let params = FastCGIServer.readParams(request.pointee.envp)
        let response: Response
        var parsed = ParamParser.request(params: params, body: [])
        let length = ParamParser.contentLength(params)
        if let spool = configuration.spool, parsed.method == "POST", spool.paths.contains(parsed.path), let length {
            guard spool.admit(parsed) else {
                write(Response.text("Sign in as an admin to upload.", status: 403), to: request.pointee.out)
                return
            }
            guard length <= spool.maxBytes, let file = FastCGIServer.spoolBody(request.pointee.in, length: length, into: spool.directory) else {
                write(Response.text("The upload is too large or could not be stored.", status: 413), to: request.pointee.out)
                return
            }
            parsed.bodyFile = file
            response = responder.respond(to: parsed)
            try? FileManager.default.removeItem(atPath: file)   // unless the handler moved it away
        } else if let length, length <= configuration.maxBodyBytes {
            parsed.body = FastCGIServer.readBody(request.pointee.in, length: length)
            response = responder.respond(to: parsed)
        } else {
            response = Response.text("The request body is too large.", status: 413)
        }
        write(response, to: request.pointee.out)
    }

    /// Writes a body of `length` bytes to a new file in `directory`, 1 MiB at a time; nil when it cannot be
    /// written or arrives short.
    private static func spoolBody(_ stream: UnsafeMutablePointer<FCGX_Stream>?, length: Int, into directory: String) -> String? {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/upload-\(UUID().uuidString).part"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var written = 0
        while written < length {
            let got = buffer.withUnsafeMutableBytes { raw in
                FCGX_GetStr(raw.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(min(raw.count, length - written)), stream)
            }
            guard got > 0 else { break }
            do { try handle.write(contentsOf: buffer[0..<Int(got)]) } catch { break }
            written += Int(got)
        }
        guard written == length else {
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
        return path
    }

    private func write(_ response: Response, to stream: UnsafeMutablePointer<FCGX_Stream>?) {
        let head = ResponseWriter.head(response)
        head.withUnsafeBytes { _ = as_fcgx_write(stream, $0.baseAddress, Int32($0.count)) }
        guard !response.body.isEmpty else { return }
        response.body.withUnsafeBytes { _ = as_fcgx_write(stream, $0.baseAddress, Int32($0.count)) }
    }

    private static func readParams(_ envp: FCGX_ParamArray?) -> [String: String] {
        var environment: [String] = []
        guard var cursor = envp else { return [:] }
        while let entry = cursor.pointee {
            environment.append(String(cString: entry))
            cursor += 1
        }
        return ParamParser.params(environment: environment)
    }

    private static func readBody(_ stream: UnsafeMutablePointer<FCGX_Stream>?, length: Int) -> [UInt8] {
        guard length > 0 else { return [] }
        var body = [UInt8](repeating: 0, count: length)
        var filled = 0
        body.withUnsafeMutableBytes { buffer in
            while filled < length {
                let base = buffer.baseAddress!.advanced(by: filled).assumingMemoryBound(to: CChar.self)
                let got = FCGX_GetStr(base, Int32(length - filled), stream)
                if got <= 0 { break }
                filled += Int(got)
            }
        }
        return Array(body.prefix(filled))
    }
}
