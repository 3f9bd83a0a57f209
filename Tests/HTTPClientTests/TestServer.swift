import Foundation
import HTTPClient
import TestSupport

/// Runs Tests/Fixtures/http_echo_server.py on a free loopback port for one test.
/// Each test gets its own instance so `/stats` and `peer_port` observations never mix.
final class TestServer {
    private let fixture: PythonFixture
    var port: Int { fixture.port }

    init() throws { fixture = try PythonFixture(script: "http_echo_server.py") }

    /// Terminates the server; safe to call more than once.
    func stop() { fixture.stop() }

    /// Absolute URL for a path on this server, e.g. `url("/echo?x=1")`.
    func url(_ pathAndQuery: String) -> String {
        "http://127.0.0.1:\(port)\(pathAndQuery)"
    }
}

enum TestServerError: Error {
    case notJSON
}

/// Decodes a JSON object body (the server's `/echo` and `/stats` replies).
func jsonObject(_ response: HTTPResponse) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
        throw TestServerError.notJSON
    }
    return object
}

/// The headers the server saw, from an `/echo` reply.
func receivedHeaders(_ echo: [String: Any]) -> [String: String] {
    echo["headers"] as? [String: String] ?? [:]
}
