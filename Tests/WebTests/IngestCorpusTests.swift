import Core
import FastCGI
import Foundation
import Storage
import TestSupport
import Testing

/// Lenient, lossless ingest (issue 16) on a messy but realistic corpus (Tests/Fixtures/messy_profiles.json, made by
/// scripts/gen-messy-profiles.py): every user is stored, with every valid attribute in its canonical form, read
/// back from the store; every bad attribute is reported by index and name, and nothing else is.
@Suite struct IngestCorpusTests {
    struct Case {
        let externalID: String
        let object: [String: Any]
        let stored: [String: ProfileValue]
        let bad: Set<String>
    }

    static func corpus() throws -> [Case] {
        let data = try Data(contentsOf: URL(fileURLWithPath: ProjectPaths.root + "/Tests/Fixtures/messy_profiles.json"))
        let items = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return try items.map { item in
            let object = try #require(item["object"] as? [String: Any])
            let storedJSON = try JSONSerialization.data(withJSONObject: try #require(item["stored"]))
            return Case(externalID: try #require(object["external_id"] as? String).trimmingCharacters(in: .whitespaces), object: object,
                        stored: try #require(ProfileValue.parseObject(json: String(decoding: storedJSON, as: UTF8.self))),
                        bad: Set(try #require(item["bad"] as? [String])))
        }
    }

    @Test func everyUserIsStoredWithEveryValidAttributeInCanonicalForm() throws {
        let test = try TestApp()
        try test.createUser(workspace: "A", email: "admin@a.test")
        let key = try APITests.createKey(test, as: "admin@a.test", name: "Corpus")
        let cases = try Self.corpus()
        #expect(cases.count >= 100 && cases.contains { !$0.bad.isEmpty })
        let body = try JSONSerialization.data(withJSONObject: ["attributes": cases.map(\.object)])
        let response = test.app.respond(to: Request(method: "POST", path: "/api/v1/users/track",
                                                    headers: ["content-type": "application/json", "authorization": "Bearer " + key],
                                                    body: Array(body)))
        #expect(response.status == 201)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(answer["message"] as? String == "success")
        #expect(answer["accepted"] as? Int == cases.count && answer["rejected"] as? Int == 0)
        let errors = answer["errors"] as? [[String: Any]] ?? []
        let reported = Dictionary(grouping: errors, by: { $0["index"] as? Int ?? -1 }).mapValues { Set($0.compactMap { $0["field"] as? String }) }
        for (index, item) in cases.enumerated() {
            #expect((reported[index] ?? []) == item.bad, "reported errors of \(item.externalID)")
            let profile = try #require(try test.store.profile(workspaceID: 1, externalID: item.externalID), "\(item.externalID) not stored")
            #expect(ProfileValue.parseObject(json: profile.attributesJSON) == item.stored, "stored attributes of \(item.externalID)")
        }
        #expect(try test.store.profileCount(workspaceID: 1) == cases.count)
    }
}
