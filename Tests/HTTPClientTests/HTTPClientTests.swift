import Foundation
import HTTPClient
import Testing

/// Serialized because one test sets process-wide proxy environment variables, and
/// setenv is not safe while other threads read the environment.
@Suite(.serialized)
struct HTTPClientTests {
    @Test(arguments: ["GET", "POST", "PUT", "PATCH", "DELETE"])
    func methodHeadersAndBodyReachServer(method: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let body: [UInt8]? = method == "GET" ? nil : Array("{\"m\":\"\(method)\"}".utf8)
        var headers = [(name: "X-Custom", value: "Value 1")]
        if body != nil { headers.append((name: "Content-Type", value: "application/json")) }
        let request = HTTPRequest(method: method, url: server.url("/echo?a=1&b=two"), headers: headers, body: body)

        let response = try HTTPClient().send(request)

        #expect(response.status == 200)
        #expect(response.header("CONTENT-TYPE") == "application/json")
        #expect(response.headers.allSatisfy { $0.name == $0.name.lowercased() })
        let echo = try jsonObject(response)
        #expect(echo["method"] as? String == method)
        #expect(echo["path"] as? String == "/echo")
        #expect(echo["query"] as? String == "a=1&b=two")
        #expect(echo["body"] as? String == body.map { String(decoding: $0, as: UTF8.self) } ?? "")
        let seen = receivedHeaders(echo)
        #expect(seen["x-custom"] == "Value 1")
        #expect(seen["user-agent"] == "AudienceSync/1.0")
        #expect(seen["expect"] == nil)
        #expect(seen["content-type"] == (body == nil ? nil : "application/json"))
        #expect(seen["content-length"] == body.map { String($0.count) })
    }

    @Test func bodyWithoutContentTypeGetsNoFormDefault() throws {
        let server = try TestServer()
        defer { server.stop() }
        let request = HTTPRequest(method: "POST", url: server.url("/echo"), body: Array("raw".utf8))
        let seen = receivedHeaders(try jsonObject(HTTPClient().send(request)))
        #expect(seen["content-type"] == nil)
        #expect(seen["content-length"] == "3")
    }

    @Test func postWithoutBodySendsZeroLength() throws {
        let server = try TestServer()
        defer { server.stop() }
        let echo = try jsonObject(HTTPClient().send(HTTPRequest(method: "POST", url: server.url("/echo"))))
        #expect(echo["method"] as? String == "POST")
        #expect(receivedHeaders(echo)["content-length"] == "0")
    }

    @Test func headReturnsStatusWithoutBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try HTTPClient().send(HTTPRequest(method: "HEAD", url: server.url("/status/200")))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.header("content-length") == "10")
    }

    @Test func nonSuccessStatusIsAResponse() throws {
        let server = try TestServer()
        defer { server.stop() }
        let response = try HTTPClient().send(HTTPRequest(url: server.url("/status/503")))
        #expect(response.status == 503)
        #expect(response.text == "status 503")
    }

    @Test func sequentialSendsReuseTheConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = HTTPClient()
        let first = try jsonObject(client.send(HTTPRequest(url: server.url("/echo"))))
        let second = try jsonObject(client.send(HTTPRequest(url: server.url("/echo"))))
        let third = try jsonObject(client.sendAll([HTTPRequest(url: server.url("/echo"))])[0].get())
        #expect(first["peer_port"] as? Int != nil)
        #expect(first["peer_port"] as? Int == second["peer_port"] as? Int)
        #expect(second["peer_port"] as? Int == third["peer_port"] as? Int)
    }
}
