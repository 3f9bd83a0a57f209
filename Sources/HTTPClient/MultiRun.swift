import CCurl

/// Drives one batch of requests through a multi handle, keeping at most
/// `maxConcurrentTransfers` in flight and refilling as transfers finish.
struct MultiRun {
    private let multi: UnsafeMutableRawPointer
    private let requests: [HTTPRequest]
    private let configuration: HTTPClientConfiguration
    private let maxInFlight: Int
    private var idleEasy: [UnsafeMutableRawPointer]
    private var results: [Result<HTTPResponse, HTTPClientError>?]
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var nextIndex = 0
    private var failure: HTTPClientError?

    /// Runs `requests` on `session`; results are in input order.
    static func perform(
        _ requests: [HTTPRequest],
        configuration: HTTPClientConfiguration,
        session: inout MultiSession
    ) -> [Result<HTTPResponse, HTTPClientError>] {
        if let error = CurlRuntime.ensureInitialized() {
            return requests.map { _ in .failure(error) }
        }
        let maxInFlight = max(1, configuration.maxConcurrentTransfers)
        guard let multi = session.multiHandle(maxConnects: maxInFlight) else {
            return requests.map { _ in .failure(CurlRuntime.transportError(CURLE_OUT_OF_MEMORY)) }
        }
        var run = MultiRun(multi: multi, requests: requests, configuration: configuration,
                           maxInFlight: maxInFlight, idleEasy: session.idleEasy)
        session.idleEasy = []
        run.drive()
        session.idleEasy = run.idleEasy
        if run.failure != nil { session.discard() }
        return run.finalResults()
    }

    private init(multi: UnsafeMutableRawPointer, requests: [HTTPRequest], configuration: HTTPClientConfiguration,
                 maxInFlight: Int, idleEasy: [UnsafeMutableRawPointer]) {
        self.multi = multi
        self.requests = requests
        self.configuration = configuration
        self.maxInFlight = maxInFlight
        self.idleEasy = idleEasy
        self.results = Array(repeating: nil, count: requests.count)
    }

    /// perform → collect finished → refill; wait in `curl_multi_poll` only when nothing
    /// finished, so freshly added transfers start without an extra wake-up.
    private mutating func drive() {
        startPending()
        while !active.isEmpty {
            var running: Int32 = 0
            var code = curl_multi_perform(multi, &running)
            if code == CURLM_OK, collectFinished() {
                startPending()
                continue
            }
            if code == CURLM_OK { code = curl_multi_poll(multi, nil, 0, 1000, nil) }
            guard code == CURLM_OK else { return abandon(code) }
        }
    }

    private mutating func startPending() {
        while active.count < maxInFlight, nextIndex < requests.count, failure == nil {
            start(nextIndex)
            nextIndex += 1
        }
    }

    private mutating func start(_ index: Int) {
        guard let easy = idleEasy.popLast() ?? curl_easy_init() else {
            results[index] = .failure(CurlRuntime.transportError(CURLE_OUT_OF_MEMORY))
            return
        }
        let request = requests[index]
        let transfer = Transfer(index: index, easy: easy, url: request.url, limit: configuration.maxResponseBytes)
        do throws(HTTPClientError) {
            try transfer.configure(request, configuration)
        } catch {
            results[index] = .failure(error)
            return recycle(easy)
        }
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            results[index] = .failure(Self.multiError(added))
            return recycle(easy)
        }
        active[easy] = transfer
    }

    /// Reads curl's completion messages; returns whether any transfer finished.
    private mutating func collectFinished() -> Bool {
        var finishedAny = false
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            // Copy out before removing the handle: that invalidates the message.
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            finish(easy, message.pointee.data.result)
            finishedAny = true
        }
        return finishedAny
    }

    private mutating func finish(_ easy: UnsafeMutableRawPointer, _ code: CURLcode) {
        guard let transfer = active.removeValue(forKey: easy) else { return }
        curl_multi_remove_handle(multi, easy)
        results[transfer.index] = transfer.result(code)
        recycle(easy)
    }

    /// Reset keeps nothing request-specific but is far cheaper than a fresh handle.
    private mutating func recycle(_ easy: UnsafeMutableRawPointer) {
        curl_easy_reset(easy)
        if idleEasy.count < maxInFlight {
            idleEasy.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    /// The multi handle itself failed: fail everything still pending; the caller then
    /// discards the session rather than trusting it again.
    private mutating func abandon(_ code: CURLMcode) {
        let error = Self.multiError(code)
        failure = error
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            results[transfer.index] = .failure(error)
            curl_easy_cleanup(easy)
        }
        active = [:]
    }

    /// Multi-level failures have no CURLcode of their own; report them as
    /// CURLE_FAILED_INIT with curl's text for the multi code.
    private static func multiError(_ code: CURLMcode) -> HTTPClientError {
        .transport(code: Int(CURLE_FAILED_INIT.rawValue), message: String(cString: curl_multi_strerror(code)))
    }

    private func finalResults() -> [Result<HTTPResponse, HTTPClientError>] {
        let fallback = failure ?? CurlRuntime.transportError(CURLE_FAILED_INIT)
        return results.map { $0 ?? .failure(fallback) }
    }
}
