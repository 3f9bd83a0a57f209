// libFuzzer entry for the request parsing of Sources/FastCGI (built by scripts/fuzz-parsers.sh, not by SwiftPM).
//
// Input: a first byte 0xFF, then newline-separated values of Content-Type, Cookie, Authorization, the URI, the
// query and the body ("header mode"); or a 2-byte big-endian length L (first byte not 0xFF), then L bytes of a FastCGI PARAMS stream (name-value pairs with 1- or 4-byte
// lengths, FastCGI 1.0 §3.4), then the request body. The pairs are decoded as libfcgi does into `NAME=VALUE`
// strings (cut at a NUL, as `String(cString:)` reads them) — libfcgi's record reading itself is C and not fuzzed
// here — and go through `ParamParser.params(environment:)`, `ParamParser.request`, then every parser a handler
// reaches: the query and form (`FormValues`), cookies, the bearer token, the content length and the multipart
// envelope (`Multipart`). Properties checked beyond "no crash": a multipart file's byte range lies inside the
// body, and form encoding round-trips every decoded name and value.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastCGIRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= 2 else { return 0 }
    let environment: [String]
    let body: [UInt8]
    if bytes[0] == 0xFF {
        // Header mode: the lines after the marker are the values of the headers the parsers split, then the body —
        // short values such as `Content-Type: ;` are reached at once instead of through the pair encoding.
        let lines = bytes.dropFirst().split(separator: 0x0A, maxSplits: 5, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let names = ["CONTENT_TYPE", "HTTP_COOKIE", "HTTP_AUTHORIZATION", "REQUEST_URI", "QUERY_STRING"]
        environment = ["REQUEST_METHOD=POST"] + zip(names, lines).map { $0 + "=" + $1 }
        body = lines.count > 5 ? Array(lines[5].utf8) : []
    } else {
        let paramsLength = min(Int(bytes[0]) << 8 | Int(bytes[1]), bytes.count - 2)
        environment = FastCGIPairs.decode(bytes[2..<(2 + paramsLength)])
        body = Array(bytes[(2 + paramsLength)...])
    }
    let params = ParamParser.params(environment: environment)
    let request = ParamParser.request(params: params, body: body)
    _ = ParamParser.contentLength(params)
    _ = request.bearerToken
    _ = request.contentType
    _ = request.header("User-Agent")
    _ = Request.parseCookies(params["HTTP_COOKIE"] ?? "")
    for (name, value) in request.form.pairs + request.query.pairs {
        precondition(URLEncoding.decode(Substring(URLEncoding.encode(name))) == name, "form name does not round-trip")
        precondition(URLEncoding.decode(Substring(URLEncoding.encode(value))) == value, "form value does not round-trip")
    }
    if let (_, file) = request.multipart, let file {
        precondition(0 <= file.start && file.start <= file.end && file.end <= body.count, "multipart file outside the body")
    }
    // The envelope directly with a fixed boundary too, so bodies reach it without a matching content type.
    let head = Multipart.head(body, boundary: "b")
    if let file = head.file {
        precondition(file.start <= body.count, "multipart data start past the body")
        if let end = Multipart.fileEnd(tail: Array(body[file.start...]), tailOffset: file.start, boundary: "b") {
            precondition(end >= file.start && end <= body.count, "multipart end outside the body")
        }
    }
    _ = Multipart.boundary(params["CONTENT_TYPE"] ?? "")
    return 0
}

/// FastCGI name-value pairs → `NAME=VALUE` strings, as libfcgi hands them over in `envp`.
enum FastCGIPairs {
    static func decode(_ bytes: ArraySlice<UInt8>) -> [String] {
        var cursor = bytes.startIndex
        var out: [String] = []
        func length() -> Int? {
            guard cursor < bytes.endIndex else { return nil }
            if bytes[cursor] & 0x80 == 0 { defer { cursor += 1 }; return Int(bytes[cursor]) }
            guard bytes.endIndex - cursor >= 4 else { return nil }
            let value = Int(bytes[cursor] & 0x7F) << 24 | Int(bytes[cursor + 1]) << 16 | Int(bytes[cursor + 2]) << 8 | Int(bytes[cursor + 3])
            cursor += 4
            return value
        }
        while let nameLength = length(), let valueLength = length(), bytes.endIndex - cursor >= nameLength + valueLength {
            let pair = Array(bytes[cursor..<(cursor + nameLength)]) + [0x3D] + Array(bytes[(cursor + nameLength)..<(cursor + nameLength + valueLength)])
            cursor += nameLength + valueLength
            let cut = pair.firstIndex(of: 0).map { Array(pair[..<$0]) } ?? pair
            out.append(String(decoding: cut, as: UTF8.self))
        }
        return out
    }
}
