import Core
import FastCGI
import Foundation
import Storage
import TestSupport
import Testing

/// Workspace API keys and the profile endpoints, through the responder.
@Suite struct APITests {
    let test: TestApp
    let key: String

    init() throws {
        test = try TestApp()
        try test.createUser(workspace: "A", email: "admin@a.test")
        try test.createUser(workspace: "A", email: "member@a.test", role: .member)
        try test.createUser(workspace: "B", email: "admin@b.test")
        key = try Self.createKey(test, as: "admin@a.test", name: "Backend")
    }

    /// Creates a key on the Settings page and reads it from the page that shows it once.
    static func createKey(_ test: TestApp, as email: String, name: String) throws -> String {
        let browser = test.browser()
        browser.signIn(email)
        browser.get("/settings/api-keys")
        #expect(browser.post("/settings/api-keys", [("name", name)]).header("Location") == "/settings/api-keys")
        let page = browser.get("/settings/api-keys").text
        #expect(!browser.get("/settings/api-keys").text.contains("Copy your new key now"))   // once only
        let start = try #require(page.range(of: #"<code class="secret" id="new-key-value">"#))
        return String(page[start.upperBound...].prefix { $0 != "<" })
    }

    func call(_ path: String, _ json: String, key: String? = nil, contentType: String = "application/json") -> Response {
        var headers = ["content-type": contentType]
        if let key = key ?? Optional(self.key) { headers["authorization"] = "Bearer " + key }
        return test.app.respond(to: Request(method: "POST", path: path, headers: headers, body: Array(json.utf8)))
    }

    func json(_ response: Response) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    @Test func keysAreShownOnceStoredHashedAndListed() throws {
        #expect(key.hasPrefix("as_") && key.count >= 43)
        let browser = test.browser()
        browser.signIn("admin@a.test")
        let page = browser.get("/settings/api-keys").text
        #expect(page.contains("Backend") && page.contains(String(key.prefix(9))) && !page.contains(key))
        let database = ["", "-wal"].compactMap { FileManager.default.contents(atPath: test.databasePath + $0) }
            .map { String(decoding: $0, as: UTF8.self) }.joined()
        #expect(!database.contains(key))
        #expect(database.contains(SecureToken.digest(key)))
    }

    @Test func keyNamesAreValidatedAndMembersCannotManageKeys() {
        let browser = test.browser()
        browser.signIn("admin@a.test")
        browser.get("/settings/api-keys")
        let blank = browser.post("/settings/api-keys", [("name", "   ")])
        #expect(blank.status == 422 && blank.text.contains("Give the key a name"))
        let member = test.browser()
        member.signIn("member@a.test")
        #expect(member.get("/settings/api-keys").status == 403)
        #expect(!member.get("/partners").text.contains("Settings"))
    }

    @Test func tracksProfilesAndMergesAttributes() throws {
        let first = call("/api/v1/users/track", """
            {"attributes":[{"external_id":"u1","email":" Mary@Example.com ","country":"us","ads_tracking_enabled":true,"plan":"gold","score":7},
                           {"external_id":"u2","phone":"+1 (650) 555-1212","gender":"f","dob":"1990-04-01"}]}
            """)
        #expect(first.status == 201)
        #expect(json(first)["accepted"] as? Int == 2 && json(first)["rejected"] as? Int == 0)
        let second = call("/api/v1/users/track", #"{"attributes":[{"external_id":"u1","plan":null,"score":8,"tags":["a","b"]}]}"#)
        #expect(second.status == 201)
        let stored = try #require(try test.store.profile(workspaceID: 1, externalID: "u1"))
        let attributes = try #require(try JSONSerialization.jsonObject(with: Data(stored.attributesJSON.utf8)) as? [String: Any])
        #expect(attributes["email"] as? String == "mary@example.com")
        #expect(attributes["country"] as? String == "US")
        #expect(attributes["ads_tracking_enabled"] as? Bool == true)
        #expect(attributes["plan"] == nil)          // null removed it
        #expect(attributes["score"] as? Int == 8)   // replaced
        #expect(attributes["tags"] as? [String] == ["a", "b"])
        #expect(try test.store.profileCount(workspaceID: 1) == 2)
    }

    @Test func keepsEveryValidAttributeAndReportsTheBadOnesByIndexInBrazesShape() throws {
        let response = call("/api/v1/users/track", """
            {"attributes":[{"external_id":"ok1","email":"a@b.co"},
                           {"external_id":"bad1","email":"not-an-email","country":"Narnia","plan":"gold"},
                           {"email":"no-id@b.co"},
                           {"external_id":"bad2","dob":"1990-02-30","gender":"x?y","idfa":"123","ads_tracking_enabled":"maybe","zip":"10115"},
                           {"external_id":"ok2","dob":"2000-02-29"}]}
            """)
        #expect(response.status == 201)
        let body = json(response)
        #expect(body["message"] as? String == "success")   // processed: a Braze client must not raise
        #expect(body["accepted"] as? Int == 4 && body["rejected"] as? Int == 1 && body["attributes_processed"] as? Int == 4)
        let errors = body["errors"] as? [[String: Any]] ?? []
        let pairs = Set(errors.map { "\($0["index"] as? Int ?? -1):\($0["field"] as? String ?? "")" })
        #expect(pairs == ["1:email", "1:country", "2:external_id", "3:dob", "3:gender", "3:idfa", "3:ads_tracking_enabled"])
        #expect(errors.allSatisfy { !($0["message"] as? String ?? "").isEmpty && $0["input_array"] as? String == "attributes" })
        #expect(try test.store.profile(workspaceID: 1, externalID: "ok2") != nil)
        // The users with bad attributes are stored with their good ones.
        let bad1 = try #require(try test.store.profile(workspaceID: 1, externalID: "bad1"))
        #expect(bad1.attributesJSON == #"{"plan":"gold"}"#)
        let bad2 = try #require(try test.store.profile(workspaceID: 1, externalID: "bad2"))
        #expect(bad2.attributesJSON == #"{"zip":"10115"}"#)
        #expect(try test.store.profileCount(workspaceID: 1) == 4)
    }

    @Test func storesCanonicalFormsOfTheSpellingsPeopleSend() throws {
        let hash = String(repeating: "ab", count: 32)
        let response = call("/api/v1/users/track", """
            {"attributes":[{"external_id":"c1","gender":"Male","country":"U.S.","email":"  Mary@EXAMPLE.com ","ads_tracking_enabled":"no"},
                           {"external_id":"c2","gender":"woman","country":"Deutschland","email":"\(hash.uppercased())","phone":"\(hash)"},
                           {"external_id":"c3","gender":"prefer not to say","country":"united kingdom","do_not_sell":1},
                           {"external_id":"c4","gender":"unknown","country":"USA"}]}
            """)
        #expect(response.status == 201 && (json(response)["errors"] as? [Any])?.isEmpty == true)
        func attributes(_ id: String) throws -> [String: ProfileValue] {
            let profile = try #require(try test.store.profile(workspaceID: 1, externalID: id))
            return try #require(ProfileValue.parseObject(json: profile.attributesJSON))
        }
        #expect(try attributes("c1") == ["gender": .string("M"), "country": .string("US"), "email": .string("mary@example.com"),
                                         "ads_tracking_enabled": .bool(false)])
        #expect(try attributes("c2") == ["gender": .string("F"), "country": .string("DE"), "email": .string(hash), "phone": .string(hash)])
        #expect(try attributes("c3") == ["gender": .string("P"), "country": .string("GB"), "do_not_sell": .bool(true)])
        #expect(try attributes("c4") == ["gender": .string("U"), "country": .string("US")])
    }

    @Test func refusesBadRequestsWithJSONErrors() {
        #expect(call("/api/v1/users/track", "{not json").status == 400)
        #expect(call("/api/v1/users/track", #"{"users":[]}"#).status == 400)
        #expect(call("/api/v1/users/track", #"{"attributes":[]}"#, contentType: "text/plain").status == 415)
        let objects = (0...10_000).map { #"{"external_id":"u\#($0)"}"# }.joined(separator: ",")
        let tooMany = call("/api/v1/users/track", #"{"attributes":[\#(objects)]}"#)
        #expect(tooMany.status == 413)
        #expect((json(tooMany)["errors"] as? [[String: Any]])?.first?["field"] as? String == "attributes")
        let nothing = call("/api/v1/users/track", #"{"attributes":[{"email":"x@y.co"}]}"#)   // nothing stored: a 400 naming it
        #expect(nothing.status == 400 && (json(nothing)["message"] as? String)?.hasPrefix("Nothing was stored") == true)
        #expect(((json(nothing)["errors"] as? [[String: Any]])?.first?["field"] as? String) == "external_id")
        // Fatal errors carry Braze's top-level message as well as the per-field detail.
        let fatal = json(call("/api/v1/users/track", "{not json"))
        #expect(fatal["message"] as? String == "The body is not valid JSON." && (fatal["errors"] as? [[String: Any]])?.first?["field"] as? String == "body")
        let get = test.app.respond(to: Request(method: "GET", path: "/api/v1/users/track", headers: ["authorization": "Bearer " + key]))
        #expect(get.status == 405)
    }

    @Test func authenticationIsRequiredAndScopedToTheWorkspace() throws {
        let body = #"{"attributes":[{"external_id":"u9","email":"x@y.co"}]}"#
        #expect(test.app.respond(to: Request(method: "POST", path: "/api/v1/users/track", headers: ["content-type": "application/json"],
                                             body: Array(body.utf8))).status == 401)
        #expect(call("/api/v1/users/track", body, key: "as_wrong").status == 401)
        #expect(call("/api/v1/users/track", body, key: "Basic abc").status == 401)
        // B's key writes to B only.
        let other = try Self.createKey(test, as: "admin@b.test", name: "B backend")
        #expect(call("/api/v1/users/track", body, key: other).status == 201)
        #expect(try test.store.profile(workspaceID: 1, externalID: "u9") == nil)
        #expect(try test.store.profileCount(workspaceID: 2) == 1)
        // Deleting with B's key cannot touch A's profiles.
        _ = call("/api/v1/users/track", #"{"attributes":[{"external_id":"shared"}]}"#)
        let deleted = call("/api/v1/users/delete", #"{"external_ids":["shared"]}"#, key: other)
        #expect(json(deleted)["deleted"] as? Int == 0)
        #expect(try test.store.profile(workspaceID: 1, externalID: "shared") != nil)
    }

    @Test func revokedKeysStopWorkingAtOnce() throws {
        let browser = test.browser()
        browser.signIn("admin@a.test")
        browser.get("/settings/api-keys")
        let id = try #require(try test.store.apiKeys(workspaceID: 1).first?.id)
        #expect(browser.postConfirmed("/settings/api-keys/\(id)/revoke").header("Location") == "/settings/api-keys?notice=key-revoked")
        #expect(call("/api/v1/users/track", #"{"attributes":[{"external_id":"u1"}]}"#).status == 401)
        #expect(browser.get("/settings/api-keys").text.contains("Revoked"))
        // Another workspace's admin cannot revoke A's keys.
        let other = test.browser()
        other.signIn("admin@b.test")
        other.get("/settings/api-keys")
        #expect(other.post("/settings/api-keys/\(id)/revoke").status == 404)
    }

    @Test func deletesProfiles() throws {
        _ = call("/api/v1/users/track", #"{"attributes":[{"external_id":"u1"},{"external_id":"u2"}]}"#)
        let response = call("/api/v1/users/delete", #"{"external_ids":["u1","nobody"]}"#)
        #expect(response.status == 200)
        #expect(json(response)["deleted"] as? Int == 1 && json(response)["not_found"] as? Int == 1)
        #expect(try test.store.profile(workspaceID: 1, externalID: "u1") == nil)
        #expect(call("/api/v1/users/delete", #"{"external_ids":[1]}"#).status == 400)
    }
}
