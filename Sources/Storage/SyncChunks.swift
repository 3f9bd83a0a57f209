import Core
import Foundation
import GRDB

/// The sync queue's unit of work: the users one request brought to one step with one schema, their partner rows
/// already built (migration 026). Claims, leases, fencing, attempts and outcomes are per chunk, so a 10,000-user
/// batch costs a handful of statements; a user only gets work of their own when their fate differs from their chunk's
/// (the consent screen, a partner refusing their row, an erasure).
///
/// A slot is a user's place in a chunk. A slot taken out (``vacate(_:chunkID:slots:)``) or moved to a chunk of its
/// own (``move(_:chunkID:slots:)``) is left `null` in `users` and `[]` in `rows`, so the other users keep their slots
/// and their `chunk_user` rows stay true.
enum SyncChunks {
    /// Users that went into a step together with one schema, waiting to be written as chunks.
    struct Batch {
        var users: [String] = []
        var rows: [[String]] = []

        mutating func append(user: String, row: [String]) {
            users.append(user)
            rows.append(row)
        }
    }

    /// Which batch a new item joins.
    struct Key: Hashable {
        let stepID: Int64
        let schema: [String]
    }

    /// The most users a chunk holds when its step names no partner (a partner's own batch size otherwise).
    static let defaultCapacity = 10_000

    /// Bits of a claimed item's id that hold its slot: ids are `chunk << slotBits | slot`, opaque to the engine.
    static let slotBits: Int64 = 24

    /// The id of the item in `slot` of `chunkID`.
    static func itemID(chunkID: Int64, slot: Int) -> Int64 { chunkID << slotBits | Int64(slot) }

    /// The chunk and slot of an item id.
    static func place(ofItem id: Int64) -> (chunkID: Int64, slot: Int) { (id >> slotBits, Int(id & (1 << slotBits - 1))) }

    /// Writes the batches as chunks of at most the step's partner batch size, with their `chunk_user` index, in the
    /// caller's transaction: two statements per chunk, whatever the number of users.
    static func insert(_ db: Database, _ batches: [Key: Batch], consentVersion: Int64, now: Date) throws {
        let partner = try db.cachedStatement(sql: "SELECT partner FROM canvas_step WHERE id = ?")
        let insertChunk = try db.cachedStatement(sql: """
            INSERT INTO sync_chunk (step_id, count, schema, users, rows, created_at, consent_version) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        let index = try db.cachedStatement(sql: "INSERT INTO chunk_user (external_id, chunk_id, slot) SELECT value, ?, key FROM json_each(?)")
        for (key, batch) in batches.sorted(by: { $0.key.stepID < $1.key.stepID }) {
            let capacity = try String.fetchOne(partner, arguments: [key.stepID]).flatMap(PartnerID.init(rawValue:))
                .map { PartnerInfo.of($0).maxUsersPerRequest } ?? defaultCapacity
            let schema = JSONText.stringArray(key.schema)
            for start in stride(from: 0, to: batch.users.count, by: max(1, capacity)) {
                let end = min(batch.users.count, start + max(1, capacity))
                let users = JSONText.stringArray(Array(batch.users[start..<end]))
                try insertChunk.execute(arguments: [key.stepID, end - start, schema, users, JSONText.stringArrays(Array(batch.rows[start..<end])), now.unix,
                                                    consentVersion])
                try index.execute(arguments: [db.lastInsertedRowID, users])
            }
        }
    }

    /// A chunk's users by slot (nil where taken out) and rows.
    static func load(_ db: Database, chunkID: Int64) throws -> (users: [String?], rows: [[String]])? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT users, rows FROM sync_chunk WHERE id = ?"), arguments: [chunkID]) else { return nil }
        return try decode(users: row["users"], rows: row["rows"])
    }

    /// Reads a chunk's `users` and `rows` columns.
    static func decode(users: String, rows: String) throws -> (users: [String?], rows: [[String]]) {
        guard let users = JSONText.parseNullableStringArray(users), let rows = JSONText.parseStringArrays(rows), users.count == rows.count else {
            throw DatabaseError(message: "a sync chunk's users and rows do not match")
        }
        return (users, rows)
    }

    /// Takes `slots` out of a chunk: they no longer count, and their `chunk_user` rows go. A chunk left with nobody is
    /// deleted. One read and one write of the chunk however many slots (a request may name one person 10,000 times).
    /// - Returns: the users taken out.
    @discardableResult
    static func vacate(_ db: Database, chunkID: Int64, slots: [Int]) throws -> [String] {
        try blank(db, chunkID: chunkID, slots: slots)
    }

    /// Puts each slot's subject (an erasure's tombstone) in place of the person in `subjects`' slots of a chunk, and takes
    /// their rows out; the slots still count (the step's figures counted them as sent or errored). One read and one
    /// write of the chunk however many slots. - Returns: the users replaced.
    @discardableResult
    static func tombstone(_ db: Database, chunkID: Int64, subjects: [Int: String]) throws -> [String] {
        try blank(db, chunkID: chunkID, slots: Array(subjects.keys)) { subjects[$0] }
    }

    /// Empties the rows of `slots` and replaces their users by `subject(slot)`, or takes them out where that is nil.
    private static func blank(_ db: Database, chunkID: Int64, slots: [Int], subject: (Int) -> String? = { _ in nil }) throws -> [String] {
        guard !slots.isEmpty, var chunk = try load(db, chunkID: chunkID) else { return [] }
        var renamed: [(slot: Int, user: String, subject: String)] = [], removed: [(slot: Int, user: String)] = []
        for slot in Set(slots).sorted() where chunk.users.indices.contains(slot) {
            guard let user = chunk.users[slot] else { continue }
            let replacement = subject(slot)
            if let replacement { renamed.append((slot, user, replacement)) } else { removed.append((slot, user)) }
            chunk.users[slot] = replacement
            chunk.rows[slot] = []
        }
        guard !renamed.isEmpty || !removed.isEmpty else { return [] }
        let rename = try db.cachedStatement(sql: "UPDATE chunk_user SET external_id = ? WHERE external_id = ? AND chunk_id = ? AND slot = ?")
        for entry in renamed { try rename.execute(arguments: [entry.subject, entry.user, chunkID, entry.slot]) }
        let unindex = try db.cachedStatement(sql: "DELETE FROM chunk_user WHERE external_id = ? AND chunk_id = ? AND slot = ?")
        for entry in removed { try unindex.execute(arguments: [entry.user, chunkID, entry.slot]) }
        if removed.isEmpty {
            try db.execute(sql: "UPDATE sync_chunk SET users = ?, rows = ? WHERE id = ?",
                           arguments: [JSONText.nullableStringArray(chunk.users), JSONText.stringArrays(chunk.rows), chunkID])
        } else {
            try rewrite(db, chunkID: chunkID, chunk, removed: removed.count)
        }
        return renamed.map(\.user) + removed.map(\.user)
    }

    /// Moves `slots` of a chunk into a new chunk with the same step, schema, state, claim and attempts (and a copy of its
    /// attempt lines, which were theirs too), so that an outcome can be recorded for them alone.
    /// - Returns: the new chunk's id, or nil when none of the slots held a user.
    static func move(_ db: Database, chunkID: Int64, slots: [Int]) throws -> Int64? {
        guard var chunk = try load(db, chunkID: chunkID) else { return nil }
        var users: [String] = [], rows: [[String]] = [], moved: [(user: String, from: Int)] = []
        for slot in slots.sorted() where chunk.users.indices.contains(slot) {
            guard let user = chunk.users[slot] else { continue }
            users.append(user); rows.append(chunk.rows[slot]); moved.append((user, slot))
            chunk.users[slot] = nil
            chunk.rows[slot] = []
        }
        guard !moved.isEmpty else { return nil }
        try db.execute(sql: """
            INSERT INTO sync_chunk (step_id, state, count, schema, users, rows, created_at, claim_id, lease_until, attempts, first_attempt_at,
                                    next_attempt_at, error_class, last_error, finished_at)
            SELECT step_id, state, ?, schema, ?, ?, created_at, claim_id, lease_until, attempts, first_attempt_at,
                   next_attempt_at, error_class, last_error, finished_at FROM sync_chunk WHERE id = ?
            """, arguments: [moved.count, JSONText.stringArray(users), JSONText.stringArrays(rows), chunkID])
        let newID = db.lastInsertedRowID
        try db.execute(sql: "INSERT INTO chunk_attempt (chunk_id, at, outcome, error_class, message) SELECT ?, at, outcome, error_class, message FROM chunk_attempt WHERE chunk_id = ?",
                       arguments: [newID, chunkID])
        let reindex = try db.cachedStatement(sql: "UPDATE chunk_user SET chunk_id = ?, slot = ? WHERE external_id = ? AND chunk_id = ? AND slot = ?")
        for (slot, entry) in moved.enumerated() { try reindex.execute(arguments: [newID, slot, entry.user, chunkID, entry.from]) }
        try rewrite(db, chunkID: chunkID, chunk, removed: moved.count)
        return newID
    }

    /// Stores a chunk's users and rows after `removed` of them left it; deletes it when none is left.
    private static func rewrite(_ db: Database, chunkID: Int64, _ chunk: (users: [String?], rows: [[String]]), removed: Int) throws {
        guard removed > 0 else { return }
        if chunk.users.allSatisfy({ $0 == nil }) {
            try db.execute(sql: "DELETE FROM sync_chunk WHERE id = ?", arguments: [chunkID])
            return
        }
        try db.execute(sql: "UPDATE sync_chunk SET users = ?, rows = ?, count = count - ? WHERE id = ?",
                       arguments: [JSONText.nullableStringArray(chunk.users), JSONText.stringArrays(chunk.rows), removed, chunkID])
    }
}
