import Core
import FastCGI
import Foundation
import TestSupport
import Testing

/// Each security-relevant event writes exactly one line to the security log with the time in UTC, the request id, the
/// workspace, the actor and the address; nothing a user types can split a line or forge another (reliability.md A-12).
@Suite struct SecurityLogTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let test: TestApp
    let workspace: Int64

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        test = try TestApp(sandbox: sandbox)
        workspace = try test.createUser(workspace: "Acme", email: "admin@acme.test").workspaceID
        try test.createUser(workspace: "Acme", email: "member@acme.test", role: .member)
    }

    /// Runs `action` and returns the one security line it wrote, checking the fields every line carries.
    func onlyLine(_ event: String, from address: String = "127.0.0.1", _ action: () throws -> Void) throws -> String {
        test.securityLog.clear()
        try action()
        let lines = test.securityLog.all
        #expect(lines.count == 1, "\(event): \(lines)")
        let line = try #require(lines.first)
        #expect(line.hasPrefix("security event=\(event) "), "\(line)")
        #expect(line.range(of: #" at=20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ "#, options: .regularExpression) != nil, "\(line)")
        #expect(line.range(of: #" request="[0-9a-f]{16}" "#, options: .regularExpression) != nil, "\(line)")
        #expect(line.contains(" address=\"\(address)\""), "\(line)")
        #expect(!line.contains("\n") && !line.contains("\r"))
        return line
    }

    @Test func everyScriptedEventWritesOneLineWithItsFields() throws {
        let admin = test.browser(address: "10.0.0.7")
        let acme = "workspace=\(workspace)"

        let failed = try onlyLine("signin.failed", from: "10.0.0.7") { admin.signIn("admin@acme.test", "not the password") }
        #expect(failed.contains(acme) && failed.contains(#"actor="admin@acme.test""#) && failed.contains(#"detail="wrong password""#))
        #expect(!failed.contains("not the password"))

        let signedIn = try onlyLine("signin.succeeded", from: "10.0.0.7") { admin.signIn("admin@acme.test") }
        #expect(signedIn.contains(acme) && signedIn.contains(#"actor="admin@acme.test""#))

        admin.get("/canvases")
        let forged = try onlyLine("csrf.refused", from: "10.0.0.7") { admin.post("/canvases", [("name", "x")], csrf: "forged") }
        #expect(forged.contains(acme) && forged.contains(#"detail="POST /canvases""#))

        let member = test.browser()
        member.signIn("member@acme.test")
        let refused = try onlyLine("access.refused") { member.get("/settings/api-keys") }
        #expect(refused.contains(#"actor="member@acme.test""#) && refused.contains("admins only"))

        admin.get("/settings/api-keys")
        let created = try onlyLine("api_key.created", from: "10.0.0.7") { admin.post("/settings/api-keys", [("name", "Backend")]) }
        #expect(created.contains(acme) && created.contains("Backend"))
        let page = admin.get("/settings/api-keys").text
        let start = try #require(page.range(of: #"<code class="secret" id="new-key-value">"#))
        let key = String(page[start.upperBound...].prefix { $0 != "<" })
        #expect(!created.contains(key), "the security log holds the whole API key")

        let id = try #require(try test.store.apiKeys(workspaceID: workspace).first?.id)
        let revoked = try onlyLine("api_key.revoked", from: "10.0.0.7") { admin.postConfirmed("/settings/api-keys/\(id)/revoke") }
        #expect(revoked.contains(acme) && revoked.contains("key \(id)"))

        let badKey = try onlyLine("api.key_refused") {
            _ = test.app.respond(to: Request(method: "POST", path: "/api/v1/users/track",
                                             headers: ["authorization": "Bearer " + key, "content-type": "application/json"], body: Array("{}".utf8)))
        }
        #expect(badKey.contains("unknown or revoked key") && badKey.contains("workspace=-") && !badKey.contains(key))

        admin.get("/partners/facebook")
        let location = try #require(admin.post("/partners/facebook/connect").header("Location"))
        let callback = try partner.consent(authorizationURL: location)
        let connected = try onlyLine("partner.connected", from: "10.0.0.7") { admin.get(path(of: callback), query: queryPairs(of: callback)) }
        #expect(connected.contains(acme) && connected.contains("facebook by OAuth"))
        let replayed = try onlyLine("partner.connect_refused", from: "10.0.0.7") { admin.get(path(of: callback), query: queryPairs(of: callback)) }
        #expect(replayed.contains("facebook: state"))

        admin.get("/partners/facebook")
        let disconnected = try onlyLine("partner.disconnected", from: "10.0.0.7") { admin.postConfirmed("/partners/facebook/disconnect") }
        #expect(disconnected.contains(acme) && disconnected.contains(#"detail="facebook""#))

        let token = try partner.systemUserToken()
        admin.get("/partners/facebook")
        let pasted = try onlyLine("partner.connected", from: "10.0.0.7") { admin.post("/partners/facebook/token", [("token", token)]) }
        #expect(pasted.contains("system-user token") && !pasted.contains(token))

        admin.get("/partners")
        let signedOut = try onlyLine("signout", from: "10.0.0.7") { admin.post("/signout") }
        #expect(signedOut.contains(acme) && signedOut.contains(#"actor="admin@acme.test""#))
    }

    @Test func aTypedNewlineCannotForgeASecondLine() throws {
        let attacker = test.browser()
        let typed = "x@acme.test\nsecurity event=signin.succeeded actor=\"admin@acme.test\""
        let line = try onlyLine("signin.failed") { attacker.signIn(typed, "whatever it is") }
        #expect(line.contains(#"\nsecurity event=signin.succeeded actor=\"admin@acme.test\""#), "\(line)")
        #expect(line.contains(#"detail="unknown account""#))
    }

    @Test func theLineEscapesEveryControlCharacter() {
        let event = SecurityEvent(kind: .signInFailed, at: Date(timeIntervalSince1970: 1_795_400_000), requestID: "00000000000000ff",
                                  workspaceID: nil, actor: "a\r\n\u{0}\u{1b}[31m\u{2028}\u{202e}\u{85}\"\\b", address: "10.0.0.1")
        #expect(event.line == #"security event=signin.failed at=2026-11-23T02:13:20Z request="00000000000000ff" workspace=- "#
            + #"actor="a\r\n\u0000\u001b[31m\u{2028}\u{202e}\u{85}\"\\b" address="10.0.0.1""#)
    }
}
