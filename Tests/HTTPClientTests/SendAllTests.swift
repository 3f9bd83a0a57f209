import Foundation
import HTTPClient
import Synchronization
import Testing

extension HTTPClientTests {
    @Test func sendAllRunsConcurrentlyAndKeepsInputOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = HTTPClient()
        // Later requests sleep less, so completion order is roughly the reverse of input order.
        let requests = (0..<20).map { HTTPRequest(url: server.url("/delay?ms=\(200 + (19 - $0) * 10)&i=\($0)")) }

        let results = client.sendAll(requests)

        #expect(results.count == 20)
        for (index, result) in results.enumerated() {
            let response = try result.get()
            #expect(response.status == 200)
            #expect(response.text.hasSuffix("&i=\(index)"))
        }
        let stats = try jsonObject(client.send(HTTPRequest(url: server.url("/stats"))))
        #expect((stats["max_in_flight"] as? Int ?? 0) > 1)
    }

    @Test func sendAllRespectsMaxConcurrentTransfers() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(maxConcurrentTransfers: 3))
        let results = client.sendAll((0..<12).map { HTTPRequest(url: server.url("/delay?ms=50&i=\($0)")) })
        #expect(results.allSatisfy { (try? $0.get().status) == 200 })
        let stats = try jsonObject(client.send(HTTPRequest(url: server.url("/stats"))))
        #expect((stats["max_in_flight"] as? Int ?? 0) <= 3)
    }

    @Test func sendAllMixesSuccessesAndFailures() throws {
        let server = try TestServer()
        defer { server.stop() }
        let results = HTTPClient().sendAll([
            HTTPRequest(url: server.url("/status/201")),
            HTTPRequest(url: "file:///etc/passwd"),
            HTTPRequest(url: server.url("/status/404")),
        ])
        #expect((try? results[0].get().status) == 201)
        #expect(throws: HTTPClientError.invalidURL) { try results[1].get() }
        #expect((try? results[2].get().status) == 404)
        #expect(HTTPClient().sendAll([]).isEmpty)
    }

    @Test func manyThreadsCanSendAtOnce() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = HTTPClient()
        let echo = server.url("/echo")
        let successes = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for call in 0..<50 {
                let request = HTTPRequest(url: "\(echo)?t=\(thread)&c=\(call)")
                if let response = try? client.send(request), response.status == 200,
                   response.text.contains("t=\(thread)&c=\(call)") {
                    successes.withLock { $0 += 1 }
                }
            }
        }
        #expect(successes.withLock { $0 } == 400)
    }
}
