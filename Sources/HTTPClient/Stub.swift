// TEMPORARY: replaced by the libcurl implementation (helper-http). Signatures only.
public struct HTTPTimeouts: Sendable, Equatable { public var connect: Double; public var total: Double; public init(connect: Double, total: Double) { self.connect = connect; self.total = total } }
public struct HTTPRequest: Sendable {
    public var method: String; public var url: String; public var headers: [(name: String, value: String)]; public var body: [UInt8]?; public var timeouts: HTTPTimeouts?
    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, timeouts: HTTPTimeouts? = nil) { self.method = method; self.url = url; self.headers = headers; self.body = body; self.timeouts = timeouts }
}
public struct HTTPResponse: Sendable {
    public var status: Int; public var headers: [(name: String, value: String)]; public var body: [UInt8]; public var totalTime: Double
    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], totalTime: Double = 0) { self.status = status; self.headers = headers; self.body = body; self.totalTime = totalTime }
    public func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    public var text: String { String(decoding: body, as: UTF8.self) }
}
public enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible { case invalidURL, couldNotConnect(host: String), timedOut, responseTooLarge(limit: Int), transport(code: Int, message: String); public var description: String { "x" } }
public struct HTTPClientConfiguration: Sendable { public init() {} }
public final class HTTPClient: Sendable {
    public init(configuration: HTTPClientConfiguration = .init()) {}
    public func send(_ request: HTTPRequest) throws(HTTPClientError) -> HTTPResponse { fatalError() }
    public func sendAll(_ requests: [HTTPRequest]) -> [Result<HTTPResponse, HTTPClientError>] { fatalError() }
}
