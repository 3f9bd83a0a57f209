import Foundation
import GRDB

/// The Criteo emulator's tables and seed (partners.md §6). Advertiser and segment ids are numeric, like Criteo's.
enum CriteoSchema {
    static let userID = "criteo-user-1"
    static let userName = "Demo User"
    /// Seeded advertisers: two the demo user's consent covers, one it covers that is inactive (listed, its segments
    /// cannot change), and one it does not cover (calls on it answer 403).
    static let frAdvertiser = "4455001"
    static let usAdvertiser = "4455002"
    static let inactiveAdvertiser = "4455003"
    /// The status of an advertiser whose segments may change [I].
    static let activeStatus = "Active"
    static let foreignAdvertiser = "4455009"
    static let firstSegmentID: Int64 = 8_800_001
    /// partners.md §6.6: client-credentials apps 250 calls/min, app-level.
    static let defaultCallsPerMinute = 250
    /// partners.md §6.4: at most 50,000 identifiers per call [S].
    static let defaultMaxIdentifiers = 50_000
    /// partners.md §6.3: "up to 1,000 ad audiences" per advertiser [S: braze].
    static let segmentCap = 1000

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("criteo-v1") { db in
            try db.execute(sql: """
                CREATE TABLE criteo_advertisers (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL CHECK (name <> ''),
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    consented INTEGER NOT NULL CHECK (consented IN (0, 1)),
                    rate_limit_rejections INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE TABLE criteo_segments (
                    id INTEGER PRIMARY KEY,
                    advertiser_id TEXT NOT NULL REFERENCES criteo_advertisers (id),
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                    amendments INTEGER NOT NULL DEFAULT 0,
                    adds INTEGER NOT NULL DEFAULT 0,
                    removes INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE criteo_members (
                    segment_id INTEGER NOT NULL REFERENCES criteo_segments (id),
                    identifier_type TEXT NOT NULL,
                    identifier TEXT NOT NULL,
                    PRIMARY KEY (segment_id, identifier_type, identifier)
                ) WITHOUT ROWID;
                CREATE TABLE criteo_calls (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL
                );
                CREATE TABLE criteo_config (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    calls_per_minute INTEGER NOT NULL,
                    max_identifiers INTEGER NOT NULL
                );
                """)
        }
        // The advertiser's status [I], so an inactive one can be listed and refused.
        migrator.registerMigration("criteo-v2-status") { db in
            try db.execute(sql: "ALTER TABLE criteo_advertisers ADD COLUMN status TEXT NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Inactive'))")
        }
    }

    static let tables = ["criteo_config", "criteo_calls", "criteo_members", "criteo_segments", "criteo_advertisers"]

    static func deleteAll(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// Four advertisers (see above) and the empty contact-list segment "Newsletter subscribers" on the FR one.
    static func seed(_ db: Database, now: Date) throws {
        let advertisers = [(frAdvertiser, "Demo Store — FR", "EUR", 1, activeStatus), (usAdvertiser, "Demo Store — US", "USD", 1, activeStatus),
                           (inactiveAdvertiser, "Old Store — Inactive", "USD", 1, "Inactive"), (foreignAdvertiser, "Someone Else's Shop", "GBP", 0, activeStatus)]
        for a in advertisers {
            try db.execute(sql: "INSERT INTO criteo_advertisers (id, name, currency, consented, status) VALUES (?, ?, ?, ?, ?)",
                           arguments: [a.0, a.1, a.2, a.3, a.4])
        }
        let t = now.timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO criteo_segments (id, advertiser_id, name, description, created_at, updated_at) VALUES (?, ?, 'Newsletter subscribers', '', ?, ?)
            """, arguments: [firstSegmentID, frAdvertiser, t, t])
        try db.execute(sql: "INSERT INTO criteo_config (id, calls_per_minute, max_identifiers) VALUES (1, ?, ?)",
                       arguments: [defaultCallsPerMinute, defaultMaxIdentifiers])
    }
}

/// The settings `/_sandbox/criteo/config` changes.
struct CriteoConfig: Sendable {
    var callsPerMinute: Int
    var maxIdentifiers: Int

    static func load(_ db: Database) throws -> CriteoConfig {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM criteo_config WHERE id = 1") else {
            return CriteoConfig(callsPerMinute: CriteoSchema.defaultCallsPerMinute, maxIdentifiers: CriteoSchema.defaultMaxIdentifiers)
        }
        return CriteoConfig(callsPerMinute: row["calls_per_minute"], maxIdentifiers: row["max_identifiers"])
    }

    var json: JSON { .object([("calls_per_minute", .int(callsPerMinute)), ("max_identifiers", .int(maxIdentifiers))]) }
}
