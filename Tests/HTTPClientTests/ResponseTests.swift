import HTTPClient
import Testing

extension HTTPClientTests {
    @Test func gzipBodyIsDecoded() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try HTTPClient().send(HTTPRequest(url: server.url("/gzip")))
        #expect(response.status == 200)
        #expect(response.header("content-encoding") == "gzip")
        #expect(response.text == String(repeating: "hello gzip ", count: 100))
    }

    @Test func repeatedHeadersArePreservedInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try HTTPClient().send(HTTPRequest(url: server.url("/headers")))
        #expect(response.headers.filter { $0.name == "x-multi" }.map(\.value) == ["first", "second"])
        #expect(response.header("X-Multi") == "first")
        #expect(response.header("x-mixed-case") == "Value")
        #expect(response.header("x-absent") == nil)
        #expect(!response.headers.contains { $0.name.hasPrefix("http/") })
        #expect(response.totalTime > 0)
    }

    @Test func errorDescriptionsAreShortEnglish() {
        #expect(HTTPClientError.invalidURL.description == "invalid or unsupported URL")
        #expect(HTTPClientError.couldNotConnect(host: "example.com").description == "could not connect to example.com")
        #expect(HTTPClientError.timedOut.description == "request timed out")
        #expect(HTTPClientError.responseTooLarge(limit: 10).description == "response larger than 10 bytes")
    }
}
