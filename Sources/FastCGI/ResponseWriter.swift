/// Serializes a ``Response`` into the CGI response format FastCGI carries on stdout.
public enum ResponseWriter {
    /// The header block: `Status: 200 OK`, each header, a blank line.
    public static func head(_ response: Response) -> [UInt8] {
        var text = "Status: \(response.status) \(Response.reasonPhrase(response.status))\r\n"
        var hasLength = false
        for header in response.headers {
            // A header value with a line break would let a caller inject headers; drop such values.
            // Scalars, not Characters: "\r\n" is one Character and would slip past a Character test.
            guard !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }),
                  !header.name.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" }) else { continue }
            if header.name.lowercased() == "content-length" { hasLength = true }
            text += "\(header.name): \(header.value)\r\n"
        }
        if !hasLength { text += "Content-Length: \(response.body.count)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}
