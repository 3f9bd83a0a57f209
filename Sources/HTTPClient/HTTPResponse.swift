/// A complete HTTP response, read fully into memory.
public struct HTTPResponse: Sendable {
    /// The final status code (an interim `100 Continue` is never reported).
    public var status: Int
    /// Header fields of the final response in arrival order, names lower-cased so callers
    /// can compare without worrying about the server's capitalisation.
    public var headers: [(name: String, value: String)]
    /// The body, already decoded if the server used a `Content-Encoding` curl understands.
    public var body: [UInt8]
    /// Whole-transfer duration in seconds as measured by curl.
    public var totalTime: Double

    /// Creates a response; public so tests and fakes can build one.
    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], totalTime: Double = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.totalTime = totalTime
    }

    /// The first value of the named header, matched case-insensitively; `nil` if absent.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body decoded as UTF-8 (invalid sequences become U+FFFD rather than failing).
    public var text: String {
        String(decoding: body, as: UTF8.self)
    }
}
