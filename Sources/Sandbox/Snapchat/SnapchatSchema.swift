import Foundation
import GRDB

/// The Snapchat emulator's tables and seed. Ids look like Snap's: UUIDs for organizations and ad accounts,
/// long numbers for segments.
enum SnapchatSchema {
    static let userID = "c0ffee00-5a9c-4d6e-9f00-000000000001"
    static let userName = "Demo User"
    static let userEmail = "demo.user@example.com"
    static let organizationID = "2f0c5a6e-7d1b-4c0a-9b3e-000000000001"
    static let organizationName = "Demo Organization"
    /// Seeded ad accounts: two active, one paused (listed, not active), and one of another organization the
    /// demo user cannot reach (calls on it answer E3002).
    static let usAccount = "8adc3db7-8148-4a2c-9c8f-000000000001"
    static let euAccount = "8adc3db7-8148-4a2c-9c8f-000000000002"
    static let pausedAccount = "8adc3db7-8148-4a2c-9c8f-000000000003"
    static let foreignAccount = "8adc3db7-8148-4a2c-9c8f-000000000009"
    static let firstSegmentID: Int64 = 4_936_423_463_292_001
    static let defaultRequestsPerSecond = 10
    /// Snap targets a segment from about 1,000 matched users (partners.md §5.3).
    static let defaultMinTargetable = 1000
    static let segmentCap = 1000

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("snapchat-v1") { db in
            try db.execute(sql: """
                CREATE TABLE snap_organizations (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL CHECK (name <> ''),
                    member INTEGER NOT NULL CHECK (member IN (0, 1))
                ) WITHOUT ROWID;
                CREATE TABLE snap_ad_accounts (
                    id TEXT PRIMARY KEY NOT NULL,
                    organization_id TEXT NOT NULL REFERENCES snap_organizations (id),
                    name TEXT NOT NULL CHECK (name <> ''),
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    timezone TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'DISABLED')),
                    rate_limit_rejections INTEGER NOT NULL DEFAULT 0 CHECK (rate_limit_rejections >= 0)
                ) WITHOUT ROWID;
                CREATE TABLE snap_segments (
                    id INTEGER PRIMARY KEY,
                    ad_account_id TEXT NOT NULL REFERENCES snap_ad_accounts (id),
                    name TEXT NOT NULL CHECK (name <> '' AND length(name) <= 375),
                    description TEXT NOT NULL DEFAULT '',
                    source_type TEXT NOT NULL CHECK (source_type = 'FIRST_PARTY'),
                    retention_in_days INTEGER NOT NULL CHECK (retention_in_days BETWEEN 1 AND 9999),
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                    created_at REAL NOT NULL,
                    uploads INTEGER NOT NULL DEFAULT 0 CHECK (uploads >= 0),
                    requests INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
                    rows_added INTEGER NOT NULL DEFAULT 0 CHECK (rows_added >= 0),
                    rows_removed INTEGER NOT NULL DEFAULT 0 CHECK (rows_removed >= 0)
                );
                CREATE INDEX snap_segments_account ON snap_segments (ad_account_id, deleted, id);
                CREATE TABLE snap_members (
                    segment_id INTEGER NOT NULL REFERENCES snap_segments (id) ON DELETE CASCADE,
                    schema TEXT NOT NULL CHECK (schema IN ('EMAIL_SHA256', 'PHONE_SHA256', 'MOBILE_AD_ID_SHA256')),
                    hash TEXT NOT NULL CHECK (length(hash) = 64),
                    PRIMARY KEY (segment_id, schema, hash)
                ) WITHOUT ROWID;
                CREATE TABLE snap_calls (
                    id INTEGER PRIMARY KEY,
                    ad_account_id TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX snap_calls_window ON snap_calls (ad_account_id, at);
                CREATE TABLE snap_config (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    requests_per_second INTEGER NOT NULL CHECK (requests_per_second >= 0),
                    min_targetable INTEGER NOT NULL CHECK (min_targetable >= 0),
                    segment_cap INTEGER NOT NULL CHECK (segment_cap >= 0),
                    segment_page_size INTEGER NOT NULL CHECK (segment_page_size BETWEEN 1 AND 1000)
                );
                """)
        }
    }

    static let tables = ["snap_config", "snap_calls", "snap_members", "snap_segments", "snap_ad_accounts", "snap_organizations"]

    static func deleteAll(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// Demo Organization with three ad accounts (US and EU active, one paused), a foreign organization's
    /// account, and one empty segment "Newsletter subscribers" on the US account.
    static func seed(_ db: Database, now: Date) throws {
        try db.execute(sql: "INSERT INTO snap_organizations (id, name, member) VALUES (?, ?, 1), ('2f0c5a6e-7d1b-4c0a-9b3e-000000000009', 'Someone Else Ltd', 0)",
                       arguments: [organizationID, organizationName])
        let accounts: [(String, String, String, String, String, String)] = [
            (usAccount, organizationID, "Demo Retail — US", "USD", "America/Los_Angeles", "ACTIVE"),
            (euAccount, organizationID, "Demo Retail — EU", "EUR", "Europe/Dublin", "ACTIVE"),
            (pausedAccount, organizationID, "Demo Brand — Paused", "USD", "America/New_York", "PAUSED"),
            (foreignAccount, "2f0c5a6e-7d1b-4c0a-9b3e-000000000009", "Someone Else — Not Yours", "GBP", "Europe/London", "ACTIVE"),
        ]
        for a in accounts {
            try db.execute(sql: "INSERT INTO snap_ad_accounts (id, organization_id, name, currency, timezone, status) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [a.0, a.1, a.2, a.3, a.4, a.5])
        }
        try db.execute(sql: """
            INSERT INTO snap_segments (id, ad_account_id, name, description, source_type, retention_in_days, created_at)
            VALUES (?, ?, 'Newsletter subscribers', '', 'FIRST_PARTY', 9999, ?)
            """, arguments: [firstSegmentID, usAccount, now.timeIntervalSince1970])
        try db.execute(sql: "INSERT INTO snap_config (id, requests_per_second, min_targetable, segment_cap, segment_page_size) VALUES (1, ?, ?, ?, 1000)",
                       arguments: [defaultRequestsPerSecond, defaultMinTargetable, segmentCap])
    }
}

/// The settings `/_sandbox/snapchat/config` changes.
struct SnapchatConfig: Sendable {
    var requestsPerSecond: Int
    var minTargetable: Int
    /// Live segments an ad account may hold (Snap: 1,000, partners.md §5.3); lowered by tests of the cap.
    var segmentCap: Int
    /// The most segments one list page holds (1,000, the largest `limit`); lowered by tests of paging.
    var segmentPageSize: Int

    static func load(_ db: Database) throws -> SnapchatConfig {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM snap_config WHERE id = 1") else {
            return SnapchatConfig(requestsPerSecond: SnapchatSchema.defaultRequestsPerSecond, minTargetable: SnapchatSchema.defaultMinTargetable,
                                  segmentCap: SnapchatSchema.segmentCap, segmentPageSize: 1000)
        }
        return SnapchatConfig(requestsPerSecond: row["requests_per_second"], minTargetable: row["min_targetable"], segmentCap: row["segment_cap"],
                              segmentPageSize: row["segment_page_size"])
    }

    var json: JSON {
        .object([("requests_per_second", .int(requestsPerSecond)), ("min_targetable", .int(minTargetable)), ("segment_cap", .int(segmentCap)),
                 ("segment_page_size", .int(segmentPageSize))])
    }
}
