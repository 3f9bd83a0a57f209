import FastCGI
import Foundation

/// Graph's `fields=` parameter.
enum GraphFields {
    /// The top-level names of `id,name,business{id,name}`: nested selections are accepted and ignored (the
    /// sandbox always answers a nested object whole).
    static func parse(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        var names: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            switch ch {
            case "{": depth += 1
            case "}": depth = max(0, depth - 1)
            case "," where depth == 0:
                names.append(current)
                current = ""
            default:
                if depth == 0 { current.append(ch) }
            }
        }
        names.append(current)
        return names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The fields to answer: `id` first (Graph always includes it), then the requested ones in order, or
    /// `defaults` when none was asked for. An unknown name is Graph's "nonexisting field" error.
    static func select(_ call: GraphCall, allowed: [String], defaults: [String], nodeType: String) throws -> [String] {
        let requested = parse(call.params.string("fields"))
        for name in requested where !allowed.contains(name) {
            throw GraphError.nonexistingField(name, nodeType: nodeType)
        }
        var out = ["id"]
        for name in requested.isEmpty ? defaults : requested where !out.contains(name) { out.append(name) }
        return out
    }

    /// Keeps `fields` of a full object, in that order.
    static func project(_ full: [(String, JSON)], fields: [String]) -> JSON {
        .object(fields.compactMap { name in full.first { $0.0 == name } })
    }
}

/// Cursor paging of Graph edges: `{"data":[…],"paging":{"cursors":{"before","after"},"next":…}}`.
enum GraphPaging {
    static let defaultLimit = 25
    static let maxLimit = 100

    /// The page size and the key after which the page starts.
    static func window(_ call: GraphCall) throws -> (limit: Int, after: Int64?) {
        var limit = defaultLimit
        if let text = call.params.string("limit"), !text.isEmpty {
            guard let n = Int(text), n > 0 else { throw GraphError.invalidParameter("Param limit must be a positive integer") }
            limit = min(n, maxLimit)
        }
        var after: Int64?
        if let cursor = call.params.string("after"), !cursor.isEmpty {
            guard let key = decode(cursor) else { throw GraphError.invalidParameter("Invalid cursor: \(cursor)") }
            after = key
        }
        return (limit, after)
    }

    /// Opaque cursors like Graph's: base64 of the row key.
    static func cursor(_ key: Int64) -> String { Data(String(key).utf8).base64EncodedString() }

    static func decode(_ cursor: String) -> Int64? {
        guard let data = Data(base64Encoded: cursor) else { return nil }
        return Int64(String(decoding: data, as: UTF8.self))
    }

    /// The edge envelope. `rows` holds up to `limit + 1` rows: one more than the page means more remain,
    /// and only then is there a `next` link. The link repeats the caller's parameters except the token, the
    /// proof and the old cursors: the caller adds its own credentials.
    static func envelope(_ call: GraphCall, limit: Int, rows: [(key: Int64, json: JSON)]) -> JSON {
        let page = Array(rows.prefix(limit))
        var paging: [(String, JSON)] = []
        if let first = page.first, let last = page.last {
            paging.append(("cursors", .object([("before", .string(cursor(first.key))), ("after", .string(cursor(last.key)))])))
        }
        if rows.count > limit, let last = page.last {
            let dropped: Set<String> = ["access_token", "appsecret_proof", "appsecret_time", "after", "before", "limit"]
            var pairs = call.request.query.pairs.filter { !dropped.contains($0.name) }.map { ($0.name, $0.value) }
            pairs.append(("limit", String(limit)))
            pairs.append(("after", cursor(last.key)))
            paging.append(("next", .string(call.graphURL("/" + call.path.joined(separator: "/")) + "?" + URLEncoding.encode(pairs))))
        }
        return .object([("data", .array(page.map(\.json))), ("paging", .object(paging))])
    }
}
