import Core
import Foundation
import GRDB

/// A stored profile.
public struct StoredProfile: Sendable, Equatable {
    /// The workspace-unique external id.
    public let externalID: String
    /// Every attribute as a JSON object text.
    public let attributesJSON: String
    /// When it was first stored.
    public let createdAt: Date
    /// When it last changed.
    public let updatedAt: Date
}

extension Store {
    /// Creates or updates profiles in one transaction: attributes given replace stored ones, `null` removes
    /// one, attributes not mentioned stay (JSON merge patch, RFC 7396).
    ///
    /// When this returns, every update is committed; on error none is.
    public func upsertProfiles(workspaceID: Int64, _ updates: [ProfileUpdate], now: Date) throws(StoreError) {
        guard !updates.isEmpty else { return }
        _ = try write { db in try Self.upsertDetectingWithdrawals(db, workspaceID: workspaceID, updates, now: now) }
    }

    /// Upserts `updates` in the caller's transaction. Returns the attributes text of each profile this call created, by
    /// external id: what was stored, so the entry that follows need not read it back (a tenth of the writer's work per
    /// user). A profile that existed, or whose text SQLite rewrote (a nested object), is not in it: read it.
    @discardableResult
    static func upsert(_ db: Database, workspaceID: Int64, _ updates: [ProfileUpdate], now: Date) throws -> [String: String] {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO profile (workspace_id, external_id, attributes, created_at, updated_at)
            VALUES (?1, ?2, coalesce(?5, json_patch('{}', ?3)), ?4, ?4)
            ON CONFLICT (workspace_id, external_id) DO UPDATE SET attributes = json_patch(profile.attributes, ?3), updated_at = ?4
            """)
        var created: [String: String] = [:]
        for update in updates {
            let patch = patchText(update.attributes)
            let fresh = createdText(patch: patch, update.attributes)
            // The DO UPDATE arm leaves the connection's last insert rowid alone, so a changed one means a new row. (A new
            // row that happens to take the rowid of the previous insert elsewhere reads as existing: it is read back.)
            let lastRowID = db.lastInsertedRowID
            try statement.execute(arguments: [workspaceID, update.externalID, patch, now.unix, fresh])
            created[update.externalID] = db.lastInsertedRowID != lastRowID ? fresh : nil
        }
        return created
    }

    /// What `json_patch('{}', patch)` makes of a new profile's patch, so the insert need not ask SQLite: the patch
    /// without its nulls. Nil when a value is an object, whose own nulls SQLite drops too (then SQLite patches it).
    private static func createdText(patch: String, _ attributes: [String: String]) -> String? {
        var hasNull = false
        for value in attributes.values {
            if value.utf8.first == UInt8(ascii: "{") { return nil }
            if value == "null" { hasNull = true }
        }
        return hasNull ? patchText(attributes.filter { $0.value != "null" }) : patch
    }

    /// One profile of the workspace, if it exists.
    public func profile(workspaceID: Int64, externalID: String) throws(StoreError) -> StoredProfile? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM profile WHERE workspace_id = ? AND external_id = ?"), arguments: [workspaceID, externalID])
                .map { StoredProfile(externalID: $0["external_id"], attributesJSON: $0["attributes"], createdAt: Date(unix: $0["created_at"]),
                                     updatedAt: Date(unix: $0["updated_at"])) }
        }
    }

    /// How many profiles the workspace has.
    public func profileCount(workspaceID: Int64) throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM profile WHERE workspace_id = ?"), arguments: [workspaceID]) ?? 0 }
    }

    /// `{"name":value,…}` from canonical JSON values; names are JSON-escaped.
    static func patchText(_ attributes: [String: String]) -> String {
        var text = "{"
        for name in attributes.keys.sorted() {
            if text.utf8.count > 1 { text += "," }
            text += JSONText.string(name)
            text += ":"
            text += attributes[name]!
        }
        return text + "}"
    }

    /// External ids of the workspace's profiles whose stored `email` or `phone` is `value` (emails are stored lower-case;
    /// phones as sent), for the ledger's search. A scan of the workspace's profiles, with `instr` leaving out at once those
    /// whose text does not hold the value (about 50 ms per 300,000 profiles here): expression indexes would make it
    /// instant, but cost every profile write 18 % more on the single writer (measured), for a rare admin search.
    public func externalIDs(workspaceID: Int64, email: String) throws(StoreError) -> [String] {
        try externalIDs(workspaceID: workspaceID, key: "email", value: email.lowercased())
    }

    /// See ``externalIDs(workspaceID:email:)``.
    public func externalIDs(workspaceID: Int64, phone: String) throws(StoreError) -> [String] {
        try externalIDs(workspaceID: workspaceID, key: "phone", value: phone)
    }

    private func externalIDs(workspaceID: Int64, key: String, value: String) throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT external_id FROM profile WHERE workspace_id = ? AND instr(attributes, ?) > 0 AND json_extract(attributes, '$.' || ?) = ? LIMIT 20
                """), arguments: [workspaceID, value, key, value])
        }
    }
}
