import Foundation

/// A file sent in a `multipart/form-data` body: where its bytes lie, never the bytes themselves, so a large upload
/// is read from its spool file in chunks rather than held in memory.
public struct UploadedFile: Sendable, Equatable {
    /// The form field's name.
    public let field: String
    /// The file name the browser sent (its last path component only).
    public let filename: String
    /// The file holding the body (`Request.bodyFile`), or nil when the body is in `Request.body`.
    public let path: String?
    /// The file's bytes are `start..<end` of the body.
    public let start: Int
    public let end: Int

    /// The size in bytes.
    public var size: Int { end - start }
}

/// Reads `multipart/form-data` (RFC 7578) bodies shaped as browsers send a form whose file input comes last: the
/// small fields before the file are read from the body's head, the file's end from its tail.
enum Multipart {
    /// How much of the head is read for the fields before the file (a CSRF token and a few choices).
    static let headLimit = 64 * 1024
    /// How much of the tail is read to find the closing boundary.
    static let tailLimit = 4 * 1024

    /// The boundary of a `multipart/form-data; boundary=…` content type.
    static func boundary(_ contentType: String) -> String? {
        for part in contentType.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
            return value.isEmpty || value.count > 70 ? nil : value
        }
        return nil
    }

    /// The fields before the first file part, and where the file's bytes start (`fileField`, `filename`, offset).
    static func head(_ bytes: [UInt8], boundary: String) -> (fields: [(name: String, value: String)], file: (field: String, filename: String, start: Int)?) {
        let delimiter = Array(("--" + boundary).utf8)
        var fields: [(name: String, value: String)] = []
        guard var cursor = find(delimiter, in: bytes, from: 0) else { return (fields, nil) }
        while true {
            // After a delimiter: "--" ends the body, else CRLF then the part's headers up to a blank line.
            let afterDelimiter = cursor + delimiter.count
            guard afterDelimiter + 2 <= bytes.count, !(bytes[afterDelimiter] == 45 && bytes[afterDelimiter + 1] == 45) else { return (fields, nil) }
            guard let headersEnd = find(Array("\r\n\r\n".utf8), in: bytes, from: afterDelimiter) else { return (fields, nil) }
            let headers = String(decoding: bytes[afterDelimiter..<headersEnd], as: UTF8.self)
            let disposition = dispositionParameters(headers)
            let dataStart = headersEnd + 4
            if let filename = disposition["filename"] {
                return (fields, (disposition["name"] ?? "", lastComponent(filename), dataStart))
            }
            guard let next = find(Array(("\r\n--" + boundary).utf8), in: bytes, from: dataStart) else { return (fields, nil) }
            if let name = disposition["name"] { fields.append((name, String(decoding: bytes[dataStart..<next], as: UTF8.self))) }
            cursor = next + 2
        }
    }

    /// Where the last part's data ends: the offset of the final `CRLF--boundary--` in the tail (which starts at
    /// `tailOffset` of the body), or nil when the body is cut short.
    static func fileEnd(tail: [UInt8], tailOffset: Int, boundary: String) -> Int? {
        let closing = Array(("\r\n--" + boundary + "--").utf8)
        guard tail.count >= closing.count else { return nil }
        var index = tail.count - closing.count
        while index >= 0 {
            if Array(tail[index..<(index + closing.count)]) == closing { return tailOffset + index }
            index -= 1
        }
        return nil
    }

    /// `name` and `filename` of a part's `Content-Disposition: form-data; name="…"; filename="…"`.
    static func dispositionParameters(_ headers: String) -> [String: String] {
        guard let line = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) else { return [:] }
        var result: [String: String] = [:]
        for part in line.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            result[pair[0].lowercased()] = value.replacingOccurrences(of: "%22", with: "\"")
        }
        return result
    }

    private static func lastComponent(_ filename: String) -> String {
        String(filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = from
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

extension Request {
    /// The uploaded file and the fields before it, for a `multipart/form-data` body whose file comes last;
    /// nil for any other body, or a body cut short.
    public var multipart: (fields: FormValues, file: UploadedFile?)? {
        guard contentType == "multipart/form-data", let boundary = headers["content-type"].flatMap(Multipart.boundary) else { return nil }
        let head: [UInt8]
        let total: Int
        if let bodyFile {
            guard let handle = FileHandle(forReadingAtPath: bodyFile) else { return nil }
            defer { try? handle.close() }
            head = Array((try? handle.read(upToCount: Multipart.headLimit)) ?? Data())
            total = Int((try? handle.seekToEnd()) ?? 0)
        } else {
            head = Array(body.prefix(Multipart.headLimit))
            total = body.count
        }
        let parsed = Multipart.head(head, boundary: boundary)
        let fields = FormValues(parsed.fields)
        guard let file = parsed.file else { return (fields, nil) }
        let tailOffset = max(file.start, total - Multipart.tailLimit)
        let tail: [UInt8]
        if let bodyFile, let handle = FileHandle(forReadingAtPath: bodyFile) {
            defer { try? handle.close() }
            try? handle.seek(toOffset: UInt64(tailOffset))
            tail = Array((try? handle.readToEnd()) ?? Data())
        } else {
            tail = Array(body[min(tailOffset, body.count)...])
        }
        guard let end = Multipart.fileEnd(tail: tail, tailOffset: tailOffset, boundary: boundary), end >= file.start else { return (fields, nil) }
        return (fields, UploadedFile(field: file.field, filename: file.filename, path: bodyFile, start: file.start, end: end))
    }
}
