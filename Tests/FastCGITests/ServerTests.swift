import FastCGI
import Foundation
import Synchronization
import TestSupport
import Testing

/// Answers with what it received; `/slow` takes a second, to have a request in flight during a stop.
struct EchoResponder: Responder {
    func respond(to request: Request) -> Response {
        if request.path == "/slow" { usleep(1_000_000) }
        let text = "\(request.method) \(request.path) q=\(request.query["q"] ?? "-") c=\(request.cookies["c"] ?? "-") body=\(request.body.count) https=\(request.isHTTPS)"
        return Response.text(text).adding("X-Echo", "yes")
    }
}

/// The real libfcgi server behind the real nginx, driven by curl.
@Suite(.serialized) struct ServerTests {
    @Test func answersThroughNginx() throws {
        let folder = ProjectPaths.temporaryDirectory("fcgi")
        let server = FastCGIServer(configuration: FastCGIServerConfiguration(socketPath: folder + "/app.sock", threads: 4, maxBodyBytes: 1000),
                                   responder: EchoResponder())
        try server.start()
        defer { server.stop() }
        let nginx = try NginxProcess(appSocket: folder + "/app.sock", sandboxSocket: folder + "/none.sock")
        defer { nginx.stop() }

        let get = try Curl.run(["-i", "-b", "c=cookie1", nginx.appURL + "/hello%20there?q=a+b"])
        #expect(get.contains("HTTP/1.1 200 OK"))
        #expect(get.contains("GET /hello there q=a b c=cookie1 body=0 https=false"))
        #expect(get.contains("X-Echo: yes"))
        #expect(get.contains("X-Content-Type-Options: nosniff"))
        #expect(!get.contains("nginx/"))

        let post = try Curl.run(["--data-binary", String(repeating: "x", count: 999), nginx.appURL + "/form"])
        #expect(post == "POST /form q=- c=- body=999 https=false")

        let tooBig = try Curl.run(["-o", "/dev/null", "-w", "%{http_code}", "--data-binary", String(repeating: "x", count: 1001), nginx.appURL + "/form"])
        #expect(tooBig == "413")
    }

    @Test func stopFinishesRequestsInFlight() throws {
        let folder = ProjectPaths.temporaryDirectory("drain")
        let server = FastCGIServer(configuration: FastCGIServerConfiguration(socketPath: folder + "/app.sock", threads: 4, drainTimeout: 5),
                                   responder: EchoResponder())
        try server.start()
        let nginx = try NginxProcess(appSocket: folder + "/app.sock", sandboxSocket: folder + "/none.sock")
        defer { nginx.stop() }

        let answer = Mutex2<String>("")
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            answer.set((try? Curl.run([nginx.appURL + "/slow"])) ?? "failed")
            done.signal()
        }
        for _ in 0..<200 {
            if server.requestsInFlight > 0 { break }
            usleep(10_000)
        }
        #expect(server.requestsInFlight == 1)
        #expect(server.stop())
        done.wait()
        #expect(answer.get() == "GET /slow q=- c=- body=0 https=false")
        // The socket is gone: new requests get nginx's 502, not a hang.
        #expect(try Curl.run(["-o", "/dev/null", "-w", "%{http_code}", nginx.appURL + "/after"]) == "502")
    }
}

/// A tiny lock-protected box for handing a value back from a thread.
final class Mutex2<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func set(_ new: Value) { value.withLock { $0 = new } }
    func get() -> Value { value.withLock { $0 } }
}
