import FastCGI
import Foundation
import HTTPClient

/// Talks to a running sandbox the way a person's browser and the test harness would: clicking through the
/// consent page, generating a system-user token, turning knobs, reading what the sandbox received.
public struct SandboxClient: Sendable {
    /// The sandbox's base URL.
    public let url: String
    let http = HTTPClient()

    /// Creates a client of the sandbox at `url`.
    public init(url: String) { self.url = url }

    /// Opens the consent page the app redirected to and presses a button; returns where the sandbox redirects.
    /// With `granted`, the person unticks every permission not in it (Facebook's consent page).
    public func consent(authorizationURL: String, decision: String = "accept", granted: [String]? = nil) throws -> String {
        let page = try http.send(HTTPRequest(url: authorizationURL))
        guard page.status == 200, page.text.contains("Continue as") else { throw SandboxClientError.unexpected(page.status, page.text) }
        let query = FormValues(urlEncoded: Substring(authorizationURL.split(separator: "?", maxSplits: 1).last ?? ""))
        let ticks = granted.map { [("granted_shown", "1")] + $0.map { ("granted", $0) } } ?? []
        let form = query.pairs.map { ($0.name, $0.value) } + ticks + [("decision", decision)]
        let path = String(authorizationURL.split(separator: "?")[0])
        let answer = try http.send(HTTPRequest(method: "POST", url: path, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: Array(URLEncoding.encode(form).utf8)))
        guard answer.status == 302, let location = answer.header("location") else { throw SandboxClientError.unexpected(answer.status, answer.text) }
        return location
    }

    /// Presses "Generate new token" on the Business settings page and returns the token shown once.
    public func systemUserToken() throws -> String {
        let page = try http.send(HTTPRequest(method: "POST", url: url + "/facebook/www/business/settings/system-users",
                                             headers: [("Content-Type", "application/x-www-form-urlencoded")], body: []))
        guard let start = page.text.range(of: "<code class=\"fb-token\">"), let end = page.text[start.upperBound...].range(of: "</code>") else {
            throw SandboxClientError.unexpected(page.status, page.text)
        }
        return String(page.text[start.upperBound..<end.lowerBound])
    }

    /// A JSON knob or inspection call; returns the decoded JSON.
    @discardableResult
    public func call(_ method: String, _ path: String, json: String? = nil) throws -> Any {
        let response = try http.send(HTTPRequest(method: method, url: url + path, headers: [("Content-Type", "application/json")],
                                                 body: json.map { Array($0.utf8) }))
        guard (200..<300).contains(response.status) else { throw SandboxClientError.unexpected(response.status, response.text) }
        return try JSONSerialization.jsonObject(with: Data(response.body))
    }

    /// The request log entries for Facebook since `since` (each a dictionary).
    public func requests(since: Int = 0) throws -> [[String: Any]] {
        let answer = try call("GET", "/_sandbox/requests?partner=facebook&since=\(since)")
        if let list = answer as? [[String: Any]] { return list }
        return (answer as? [String: Any])?["requests"] as? [[String: Any]] ?? []
    }

    /// The paths of the Facebook requests logged since `since`.
    public func requestPaths(since: Int = 0) throws -> [String] { try requests(since: since).compactMap { $0["path"] as? String } }

    /// The highest sequence number logged so far.
    public func lastSequence() throws -> Int { try requests().compactMap { ($0["seq"] as? NSNumber)?.intValue }.max() ?? 0 }

    /// Every token the sandbox has issued, as strings.
    public func issuedTokens() throws -> [String] {
        let state = try call("GET", "/_sandbox/facebook/state") as? [String: Any]
        return (state?["tokens"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
    }
}

/// The sandbox answered something the harness did not expect.
public enum SandboxClientError: Error, CustomStringConvertible {
    case unexpected(Int, String)
    public var description: String {
        switch self { case .unexpected(let status, let body): "sandbox answered \(status): \(body.prefix(300))" }
    }
}
