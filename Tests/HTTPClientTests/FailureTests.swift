import Foundation
import HTTPClient
import Testing

extension HTTPClientTests {
    @Test func totalTimeoutOverrideGivesTimedOut() throws {
        let server = try TestServer()
        defer { server.stop() }
        let request = HTTPRequest(url: server.url("/delay?ms=3000"), timeouts: .init(connect: 1, total: 0.3))
        #expect(throws: HTTPClientError.timedOut) { try HTTPClient().send(request) }
    }

    @Test func bodyCapAbortsOversizedResponses() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(maxResponseBytes: 1_000_000))
        let tooLarge = HTTPClientError.responseTooLarge(limit: 1_000_000)
        // With Content-Length (curl rejects up front) and chunked (the write callback aborts).
        #expect(throws: tooLarge) { try client.send(HTTPRequest(url: server.url("/bytes?n=2000000"))) }
        #expect(throws: tooLarge) { try client.send(HTTPRequest(url: server.url("/bytes?n=2000000&chunked=1"))) }
        #expect(try client.send(HTTPRequest(url: server.url("/bytes?n=1000"))).body.count == 1000)
        #expect(try client.send(HTTPRequest(url: server.url("/bytes?n=1000000&chunked=1"))).body.count == 1_000_000)
    }

    @Test func refusedConnectionIsCouldNotConnect() {
        // Port 1 (tcpmux) has no listener on a test machine; unprivileged code cannot bind it.
        #expect(throws: HTTPClientError.couldNotConnect(host: "127.0.0.1")) {
            try HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:1/echo"))
        }
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1/echo", "http://", "http://exa mple.com/"])
    func unsupportedOrMalformedURLIsInvalid(url: String) {
        #expect(throws: HTTPClientError.invalidURL) { try HTTPClient().send(HTTPRequest(url: url)) }
    }

    @Test func redirectIsReturnedNotFollowed() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try HTTPClient().send(HTTPRequest(url: server.url("/redirect")))
        #expect(response.status == 302)
        #expect(response.header("location") == "/echo")
        #expect(response.text == "moved")
    }

    @Test func headerInjectionIsRejected() {
        let request = HTTPRequest(url: "http://127.0.0.1:1/", headers: [(name: "X-Bad", value: "a\r\nX-Evil: 1")])
        #expect(throws: HTTPClientError.transport(code: 43, message: "A libcurl function was given a bad argument")) {
            try HTTPClient().send(request)
        }
    }

    @Test func environmentProxiesAreIgnored() throws {
        let server = try TestServer()
        defer { server.stop() }
        let names = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"]
        for name in names { setenv(name, "http://127.0.0.1:9", 1) }
        defer { for name in names { unsetenv(name) } }

        let response = try HTTPClient().send(HTTPRequest(url: server.url("/echo?via=direct")))

        let echo = try jsonObject(response)
        #expect(echo["query"] as? String == "via=direct")
        #expect(receivedHeaders(echo)["host"] == "127.0.0.1:\(server.port)")
    }

    @Test func errorDescriptionsNeverContainPathOrQuery() throws {
        let server = try TestServer()
        defer { server.stop() }
        let timeout = HTTPTimeouts(connect: 1, total: 0.3)
        let cases = [
            HTTPRequest(url: server.url("/delay?ms=3000&access_token=SECRET"), timeouts: timeout),
            HTTPRequest(url: "http://127.0.0.1:1/private/path?access_token=SECRET"),
            HTTPRequest(url: "file:///private/path?access_token=SECRET"),
        ]
        for result in HTTPClient().sendAll(cases) {
            guard case .failure(let error) = result else {
                Issue.record("expected a failure")
                continue
            }
            let text = String(describing: error)
            #expect(!text.contains("SECRET"))
            #expect(!text.contains("path"))
            #expect(!text.contains("delay"))
        }
    }
}
