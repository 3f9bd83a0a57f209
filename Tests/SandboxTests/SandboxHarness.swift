import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// A sandbox on its own temporary database, driven through `respond(to:)` with synthetic requests.
/// A harness that made its own database folder removes it when the test is done.
final class SandboxHarness {
    static let clientID = "sandbox-facebook-app"
    static let clientSecret = "sandbox-facebook-secret"
    static let redirectURI = "http://127.0.0.1:8080/oauth/callback/facebook"
    static let baseURL = "http://127.0.0.1:8081"
    /// The wall clock every harness starts from; tests move time with the clock knob.
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    let responder: SandboxResponder
    let databasePath: String
    private let ownsDatabase: Bool

    /// The package's `Templates/` folder, found from this file's path.
    static var templatesDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates").path
    }

    static func temporaryDatabasePath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("sandbox.sqlite").path
    }

    static func configuration(databasePath: String, templates: String = templatesDirectory) -> SandboxConfiguration {
        SandboxConfiguration(
            databasePath: databasePath, publicBaseURL: baseURL + "/", templatesDirectory: templates,
            facebookApp: SandboxApp(clientID: clientID, clientSecret: clientSecret, name: "AudienceSync Demo",
                                    redirectURIs: [redirectURI, "http://localhost:8080/oauth/callback/facebook"]),
            now: { SandboxHarness.start })
    }

    /// A sandbox on a fresh temporary database of its own.
    convenience init() throws {
        try self.init(databasePath: SandboxHarness.temporaryDatabasePath(), ownsDatabase: true)
    }

    /// A sandbox on a given database file (several harnesses may share it); the caller cleans up.
    init(databasePath: String, ownsDatabase: Bool = false) throws {
        self.databasePath = databasePath
        self.ownsDatabase = ownsDatabase
        responder = try SandboxResponder(configuration: SandboxHarness.configuration(databasePath: databasePath))
    }

    deinit {
        if ownsDatabase {
            try? FileManager.default.removeItem(atPath: (databasePath as NSString).deletingLastPathComponent)
        }
    }

    // MARK: Raw requests

    func get(_ path: String, _ query: [(String, String)] = [], headers: [String: String] = [:]) -> Response {
        responder.respond(to: Request(method: "GET", path: path, query: FormValues(query), headers: headers))
    }

    func form(_ method: String, _ path: String, _ form: [(String, String)], query: [(String, String)] = [],
              headers: [String: String] = [:]) -> Response {
        var h = headers
        h["Content-Type"] = "application/x-www-form-urlencoded"
        return responder.respond(to: Request(method: method, path: path, query: FormValues(query), headers: h,
                                             body: Array(URLEncoding.encode(form).utf8)))
    }

    func json(_ method: String, _ path: String, _ body: String, query: [(String, String)] = [],
              headers: [String: String] = [:]) -> Response {
        var h = headers
        h["Content-Type"] = "application/json"
        return responder.respond(to: Request(method: method, path: path, query: FormValues(query), headers: h, body: Array(body.utf8)))
    }

    /// A knob call with a JSON body.
    func knob(_ method: String, _ path: String, _ body: String = "") -> Response {
        json(method, path, body)
    }

    // MARK: Graph

    /// `appsecret_proof` for a token (the sandbox's own HMAC, checked against a Python-computed vector in
    /// `TokenTests`).
    static func proof(_ token: String) -> String {
        FacebookTokens.appSecretProof(token: token, secret: clientSecret)
    }

    /// A Graph call with `access_token` and `appsecret_proof` in the query; `params` go in the query for
    /// GET and in a form body otherwise.
    func graph(_ method: String, _ path: String, token: String?, _ params: [(String, String)] = [], proof: Bool = true,
               version: String = "v25.0") -> Response {
        var query: [(String, String)] = []
        if let token {
            query.append(("access_token", token))
            if proof { query.append(("appsecret_proof", SandboxHarness.proof(token))) }
        }
        let fullPath = "/facebook/graph/\(version)\(path)"
        if method == "GET" { return get(fullPath, query + params) }
        return form(method, fullPath, params, query: query)
    }

    /// A Graph call with a JSON body.
    func graphJSON(_ method: String, _ path: String, token: String, body: String) -> Response {
        json(method, "/facebook/graph/v25.0\(path)", body,
             query: [("access_token", token), ("appsecret_proof", SandboxHarness.proof(token))])
    }

    // MARK: Flows

    /// The consent dialog accepted: returns the `code` from the redirect.
    func authorizationCode(scope: String = "ads_management", state: String = "st4te") throws -> String {
        let response = form("POST", "/facebook/www/v25.0/dialog/oauth", [
            ("client_id", SandboxHarness.clientID), ("redirect_uri", SandboxHarness.redirectURI), ("state", state),
            ("scope", scope), ("decision", "accept"),
        ])
        #expect(response.status == 302)
        let location = try #require(response.header("Location"))
        let query = try #require(URLComponents(string: location)?.queryItems)
        return try #require(query.first { $0.name == "code" }?.value)
    }

    /// The whole dance: consent, code exchange. Returns a short-lived user token.
    func shortUserToken(scope: String = "ads_management") throws -> String {
        let code = try authorizationCode(scope: scope)
        let response = get("/facebook/graph/v25.0/oauth/access_token", [
            ("client_id", SandboxHarness.clientID), ("redirect_uri", SandboxHarness.redirectURI),
            ("client_secret", SandboxHarness.clientSecret), ("code", code),
        ])
        #expect(response.status == 200)
        return try #require(body(response)["access_token"]?.stringValue)
    }

    /// A system-user token from the Business settings page.
    func systemUserToken() throws -> String {
        let page = form("POST", "/facebook/www/business/settings/system-users", [])
        #expect(page.status == 200)
        return try #require(SandboxHarness.firstMatch(#"EAA[A-Za-z0-9]{100,}"#, in: page.text))
    }

    func advanceClock(_ seconds: Int) {
        let response = knob("POST", "/_sandbox/clock", #"{"advance_seconds":\#(seconds)}"#)
        #expect(response.status == 200)
    }

    func setConfig(_ json: String) {
        let response = knob("POST", "/_sandbox/facebook/config", json)
        #expect(response.status == 200, "config knob: \(response.text)")
    }

    /// A new audience in `account`, returning its id.
    func createAudience(_ token: String, account: String = "act_1001", name: String = "Test audience") throws -> String {
        let response = graph("POST", "/\(account)/customaudiences", token: token, [
            ("name", name), ("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY"),
        ])
        #expect(response.status == 200, "create: \(response.text)")
        return try #require(body(response)["id"]?.stringValue)
    }

    /// The inspection knob's view of an audience.
    func inspect(_ audienceID: String) throws -> JSON {
        let response = get("/_sandbox/facebook/audiences/\(audienceID)")
        #expect(response.status == 200)
        return try body(response)
    }

    // MARK: Reading answers

    func body(_ response: Response) throws -> JSON {
        try #require(JSON.parse(response.body), "not JSON: \(response.text)")
    }

    /// The Graph error of a response: (code, subcode, type, message).
    func graphError(_ response: Response) throws -> (code: Int?, subcode: Int?, type: String?, message: String) {
        let error = try #require(body(response)["error"], "no error in: \(response.text)")
        return (error["code"]?.intValue, error["error_subcode"]?.intValue, error["type"]?.stringValue, error["message"]?.stringValue ?? "")
    }

    static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range, in: text) else { return nil }
        return String(text[range])
    }

    /// A well-formed SHA-256 hex value, distinct per `n` (the sandbox only checks the shape).
    static func hash(_ n: Int, salt: Int = 0) -> String {
        String(format: "%032lx%032lx", salt, n)
    }
}
