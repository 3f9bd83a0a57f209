import Core
import Foundation
import HTTPClient

/// The TikTok API for Business client (partners.md §2): OAuth, advertisers, custom audiences and the streaming
/// segment mapping.
///
/// The token travels in the `Access-Token` header only, never in a URL. TikTok answers errors with HTTP 200 and
/// a non-zero `code` in its `{"code","message","request_id","data"}` envelope, so every answer is read through
/// ``TikTokErrors/classify(code:message:context:)`` before its `data` is used.
public struct TikTokClient: Sendable {
    let endpoints: PartnerEndpoints
    let http: HTTPClient

    /// Creates a client for the API at `endpoints.apiBaseURL` (`…/open_api/v1.3`).
    public init(endpoints: PartnerEndpoints, http: HTTPClient) {
        self.endpoints = endpoints
        self.http = http
    }

    /// Sends one API call and decodes its `data`, or throws the classified error.
    /// - Parameters:
    ///   - path: the path after the version, with TikTok's trailing slash, e.g. `/segment/mapping/`.
    ///   - url: a full URL instead of `apiBaseURL + path` (the token endpoint has its own setting).
    ///   - token: the access token, or nil for the code exchange.
    ///   - context: what the call is about, so ambiguous codes map to the right class.
    func call<T: Decodable>(_ method: String, _ path: String, url: String? = nil, query: [(String, String)] = [], token: String?,
                            json: [String: Any]? = nil, context: TikTokErrorContext, as type: T.Type) throws(PartnerError) -> T {
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token { headers.append(("Access-Token", token)) }
        var body: [UInt8]?
        if let json {
            headers.append(("Content-Type", "application/json"))
            body = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])).map(Array.init) ?? []
        }
        let target = (url ?? endpoints.apiBaseURL + path) + (query.isEmpty ? "" : "?" + FormEncoding.encode(query))
        let response: HTTPResponse
        do {
            response = try http.send(HTTPRequest(method: method, url: target, headers: headers, body: body))
        } catch {
            throw .transient(message: "tiktok: \(error)")
        }
        guard (200..<300).contains(response.status) else {
            throw TikTokErrors.classifyHTTP(status: response.status, headers: response.headers, path: path)
        }
        let envelope: TikTokEnvelope<T>
        do {
            envelope = try JSONDecoder().decode(TikTokEnvelope<T>.self, from: Data(response.body))
        } catch {
            throw .transient(message: "tiktok: unreadable answer from \(path)")
        }
        if envelope.code != 0 && envelope.code != TikTokErrors.partialSuccess {
            throw TikTokErrors.classify(code: envelope.code, message: envelope.message ?? "", context: context)
        }
        guard let data = envelope.data else { throw .transient(message: "tiktok: answer from \(path) without data") }
        return data
    }
}

/// TikTok's envelope: `{"code","message","request_id","data"}`. `data` is decoded only when `code` is 0, so an
/// error's `{}` never fails the decoding of a typed `data`.
struct TikTokEnvelope<T: Decodable>: Decodable {
    let code: Int
    let message: String?
    let requestID: String?
    let data: T?

    enum CodingKeys: String, CodingKey { case code, message, requestID = "request_id", data }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(Int.self, forKey: .code)
        message = try container.decodeIfPresent(String.self, forKey: .message)
        requestID = try container.decodeIfPresent(String.self, forKey: .requestID)
        data = code == 0 || code == TikTokErrors.partialSuccess ? try container.decodeIfPresent(T.self, forKey: .data) : nil
    }
}

/// A `data` whose content is not needed (`{}`).
struct TikTokEmpty: Decodable {}
