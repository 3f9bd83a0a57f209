import FastCGI
import Foundation
import HTTPClient
import Partners
import Core
import TestSupport
import Testing

/// What the Snapchat, Criteo and Pinterest client tests share: a sandbox, endpoints for one partner, clicking
/// through its consent page, and reading its request log and knobs.
struct PartnerSandbox {
    let stack: SandboxStack
    let partner: String
    let http = HTTPClient()

    init(_ partner: PartnerID) throws {
        stack = try SandboxStack()
        self.partner = partner.rawValue
    }

    /// The sandbox endpoints of the partner, as the installation's defaults build them.
    var endpoints: PartnerEndpoints { PartnerDefaults.endpoints(sandbox: stack.url, setting: { _ in nil })[PartnerID(rawValue: partner)!]! }

    /// The registered redirect URI.
    var redirectURI: String { TestApp.baseURL + "/oauth/callback/" + partner }

    /// Opens the consent page and presses the button with `id` (`allow` or `deny`); returns the redirect's Location.
    func consent(_ authorizationURL: String, button: String = "allow") throws -> String {
        let page = try http.send(HTTPRequest(url: authorizationURL))
        guard page.status == 200, page.text.contains("id=\"allow\""), page.text.contains("id=\"deny\"") else {
            throw SandboxClientError.unexpected(page.status, page.text)
        }
        var form: [(String, String)] = []
        let pattern = try NSRegularExpression(pattern: #"<input type="hidden" name="([^"]+)" value="([^"]*)">"#)
        for match in pattern.matches(in: page.text, range: NSRange(page.text.startIndex..., in: page.text)) {
            let name = String(page.text[Range(match.range(at: 1), in: page.text)!])
            let value = String(page.text[Range(match.range(at: 2), in: page.text)!])
            form.append((name, Self.unescapeHTML(value)))
        }
        form.append(("decision", button == "allow" ? "allow" : "deny"))
        let path = String(authorizationURL.split(separator: "?")[0])
        let answer = try http.send(HTTPRequest(method: "POST", url: path, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: Array(URLEncoding.encode(form).utf8)))
        guard answer.status == 302, let location = answer.header("location") else { throw SandboxClientError.unexpected(answer.status, answer.text) }
        return location
    }

    /// The consent dance to a token.
    func connect(_ client: any PartnerConnector, now: Date = Date()) throws -> PartnerToken {
        let url = client.authorizationURL(redirectURI: redirectURI, state: "state-" + String(repeating: "s", count: 30))
        let code = try #require(FormValuesLite.value("code", in: try consent(url)))
        return try client.completeAuthorization(code: code, redirectURI: redirectURI, now: now)
    }

    static func unescapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// A knob or inspection call; returns the decoded JSON.
    @discardableResult
    func knob(_ method: String, _ path: String, _ json: String? = nil) throws -> [String: Any] {
        let response = try http.send(HTTPRequest(method: method, url: stack.url + path, headers: [("Content-Type", "application/json")],
                                                 body: json.map { Array($0.utf8) }))
        guard (200..<300).contains(response.status) else { throw SandboxClientError.unexpected(response.status, response.text) }
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    /// The partner's request log entries after `since`.
    func requests(since: Int = 0) throws -> [[String: Any]] {
        try knob("GET", "/_sandbox/requests?partner=\(partner)&since=\(since)")["requests"] as? [[String: Any]] ?? []
    }

    /// The highest sequence number logged so far for the partner.
    func lastSequence() throws -> Int { try requests().compactMap { ($0["seq"] as? NSNumber)?.intValue }.max() ?? 0 }

    /// A fault rule in the partner's envelope.
    func fault(_ json: String) throws {
        try knob("POST", "/_sandbox/faults", #"{"partner":"\#(partner)",\#(json)}"#)
    }

    /// A request body as JSON.
    static func json(_ entry: [String: Any]) -> [String: Any] {
        guard let text = entry["body"] as? String, let data = text.data(using: .utf8) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// A form-encoded request body as pairs.
    static func form(_ entry: [String: Any]) -> [String: String] {
        let pairs = FormValues(urlEncoded: Substring(entry["body"] as? String ?? "")).pairs
        return Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}

/// Classifies a thrown error by class only.
func errorClass(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as PartnerError { return error.className } catch { return "other: \(error)" }
    return nil
}
