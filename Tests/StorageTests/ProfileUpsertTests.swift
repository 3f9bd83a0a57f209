import Core
import Foundation
import Storage
import TestSupport
import Testing

/// The entry decision sees each profile exactly as stored, whether the write created it (its text is then not read
/// back) or merged it into one that existed (read back).
@Suite struct ProfileUpsertTests {
    let store: Store
    let workspaceID: Int64
    let canvasID: Int64
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("upsert") + "/u.sqlite")
        let user = try store.createUser(workspaceName: "W", email: "a@w.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        workspaceID = user.workspaceID
        canvasID = try store.createCanvas(workspaceID: workspaceID, name: "C", createdBy: user.id, now: now).id
        try store.upsertProfiles(workspaceID: workspaceID, [ProfileUpdate(externalID: "old", attributes: ["plan": #""gold""#, "n": "1"])], now: now)
    }

    /// New profiles with nulls, arrays and escapes; one that existed; one created and updated in the same request; one
    /// with an object value (which SQLite rewrites); one unknown.
    static let updates = [
        ProfileUpdate(externalID: "new", attributes: ["email": #""a@b.co""#, "gone": "null", "tags": #"["x",null]"#, "s": #""a\u00e9\/b""#]),
        ProfileUpdate(externalID: "old", attributes: ["n": "2", "plan": "null"]),
        ProfileUpdate(externalID: "twice", attributes: ["a": "1"]),
        ProfileUpdate(externalID: "twice", attributes: ["b": "true"]),
        ProfileUpdate(externalID: "object", attributes: ["o": #"{"k":null,"j":1}"#, "p": "3"]),
    ]

    func storedAttributes(_ externalID: String) throws -> [String: ProfileValue]? {
        try store.profile(workspaceID: workspaceID, externalID: externalID).flatMap { ProfileValue.parseObject(json: $0.attributesJSON) }
    }

    @Test func theCanvasTriggerDecidesOnWhatWasStored() throws {
        var seen: [String: String] = [:]
        let results = try store.trigger(workspaceID: workspaceID, canvasID: canvasID, updates: Self.updates,
                                        externalIDs: ["new", "old", "twice", "object", "ghost"], now: now) { externalID, json in
            seen[externalID] = json
            return nil
        }
        #expect(results == [.notMatched, .notMatched, .notMatched, .notMatched, .unknownUser])
        #expect(Set(seen.keys) == ["new", "old", "twice", "object"])
        for (externalID, json) in seen {
            #expect(ProfileValue.parseObject(json: json) == (try storedAttributes(externalID)), "\(externalID): \(json)")
        }
        #expect(try storedAttributes("new") == ["email": .string("a@b.co"), "tags": .array([.string("x"), .null]), "s": .string("aé/b")])
        #expect(try storedAttributes("old") == ["n": .number(2)])
        #expect(try storedAttributes("twice") == ["a": .number(1), "b": .bool(true)])
    }

    @Test func trackedUsersCarryWhatWasStored() throws {
        var seen: [String: [String]] = [:]
        try store.track(workspaceID: workspaceID, updates: Self.updates, now: now) { user in
            seen[user.externalID, default: []].append(user.after)
            return []
        }
        #expect(seen.mapValues(\.count) == ["new": 1, "old": 1, "twice": 2, "object": 1])
        for (externalID, texts) in seen {
            #expect(ProfileValue.parseObject(json: texts.last!) == (try storedAttributes(externalID)), "\(externalID): \(texts)")
        }
        #expect(seen["twice"].map { $0.map { ProfileValue.parseObject(json: $0)! } } == [["a": .number(1)], ["a": .number(1), "b": .bool(true)]])
    }
}
