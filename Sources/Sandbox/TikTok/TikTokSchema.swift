import Foundation
import GRDB

/// The TikTok emulator's tables and seed (partners.md §2). Rules live in the schema where they can.
enum TikTokSchema {
    /// The seeded person who approves the consent page.
    static let demoUserID = "7100000000000000001"
    static let demoUserName = "Demo User"
    static let demoUserEmail = "demo.user@example.com"
    /// Audience ids look like TikTok's (digits); new ones count up from here.
    static let firstAudienceID: Int64 = 1_790_000_000_000_001
    /// An advertiser of another company: it exists, but the demo user never granted it (40001 when used).
    static let foreignAdvertiserID = "7000000000009"

    /// Defaults of the runtime settings: 50 requests per second per endpoint for the app (partners.md §2.4,
    /// Braze), and 400 audiences per advertiser (§2.3).
    static let defaultQPSLimit = 50
    static let defaultAudienceCap = 400

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("tiktok-v1") { db in
            try db.execute(sql: """
                CREATE TABLE tt_users (
                    id TEXT PRIMARY KEY NOT NULL,
                    display_name TEXT NOT NULL CHECK (display_name <> ''),
                    email TEXT NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE tt_advertisers (
                    id TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
                    name TEXT NOT NULL CHECK (name <> ''),
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    status TEXT NOT NULL CHECK (status IN ('STATUS_ENABLE', 'STATUS_DISABLE', 'STATUS_PENDING_CONFIRM', 'STATUS_LIMIT'))
                ) WITHOUT ROWID;

                CREATE TABLE tt_access (
                    user_id TEXT NOT NULL REFERENCES tt_users (id) ON DELETE CASCADE,
                    advertiser_id TEXT NOT NULL REFERENCES tt_advertisers (id) ON DELETE CASCADE,
                    PRIMARY KEY (user_id, advertiser_id)
                ) WITHOUT ROWID;

                CREATE TABLE tt_audiences (
                    id INTEGER PRIMARY KEY,
                    advertiser_id TEXT NOT NULL REFERENCES tt_advertisers (id),
                    name TEXT NOT NULL CHECK (name <> '' AND length(name) <= 128),
                    audience_type TEXT NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                    create_time INTEGER NOT NULL,
                    member_count INTEGER NOT NULL DEFAULT 0 CHECK (member_count >= 0),
                    request_count INTEGER NOT NULL DEFAULT 0 CHECK (request_count >= 0),
                    ids_added INTEGER NOT NULL DEFAULT 0 CHECK (ids_added >= 0),
                    ids_removed INTEGER NOT NULL DEFAULT 0 CHECK (ids_removed >= 0)
                );
                CREATE INDEX tt_audiences_advertiser ON tt_audiences (advertiser_id, deleted, id);

                CREATE TABLE tt_members (
                    audience_id INTEGER NOT NULL REFERENCES tt_audiences (id) ON DELETE CASCADE,
                    id_type TEXT NOT NULL CHECK (id_type <> ''),
                    identity TEXT NOT NULL CHECK (identity <> ''),
                    PRIMARY KEY (audience_id, id_type, identity)
                ) WITHOUT ROWID;

                CREATE TABLE tt_codes (
                    code TEXT PRIMARY KEY NOT NULL,
                    app_id TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES tt_users (id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL CHECK (expires_at > created_at),
                    used_at REAL
                ) WITHOUT ROWID;

                CREATE TABLE tt_tokens (
                    value TEXT PRIMARY KEY NOT NULL CHECK (length(value) = 40),
                    user_id TEXT NOT NULL REFERENCES tt_users (id) ON DELETE CASCADE,
                    app_id TEXT NOT NULL,
                    issued_at REAL NOT NULL,
                    expires_at REAL,
                    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
                ) WITHOUT ROWID;

                CREATE TABLE tt_config (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    qps_limit INTEGER NOT NULL CHECK (qps_limit >= 0),
                    audience_cap INTEGER NOT NULL CHECK (audience_cap >= 0)
                );

                CREATE TABLE tt_calls (
                    id INTEGER PRIMARY KEY,
                    endpoint TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX tt_calls_window ON tt_calls (endpoint, at);

                CREATE TABLE tt_rate_rejections (
                    id INTEGER PRIMARY KEY,
                    endpoint TEXT NOT NULL,
                    at REAL NOT NULL
                );
                """)
        }
    }

    /// Tables in an order that deletes children before parents.
    static let tables = ["tt_rate_rejections", "tt_calls", "tt_config", "tt_tokens", "tt_codes", "tt_members", "tt_audiences",
                         "tt_access", "tt_advertisers", "tt_users"]

    static func deleteAll(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// The seed: Demo User, granted three advertisers (two enabled, one disabled, which the client reports
    /// inactive); a fourth advertiser belongs to another company. The first advertiser holds two empty
    /// partner audiences.
    static func seed(_ db: Database, now: Date) throws {
        try db.execute(sql: "INSERT INTO tt_users (id, display_name, email) VALUES (?, ?, ?)",
                       arguments: [demoUserID, demoUserName, demoUserEmail])
        let advertisers: [(String, String, String, String, Bool)] = [
            ("7000000000001", "Demo Shop — US", "USD", "STATUS_ENABLE", true),
            ("7000000000002", "Demo Shop — EU", "EUR", "STATUS_ENABLE", true),
            ("7000000000003", "Demo Shop — Disabled", "USD", "STATUS_DISABLE", true),
            (foreignAdvertiserID, "Another Company", "USD", "STATUS_ENABLE", false),
        ]
        for (id, name, currency, status, granted) in advertisers {
            try db.execute(sql: "INSERT INTO tt_advertisers (id, name, currency, status) VALUES (?, ?, ?, ?)",
                           arguments: [id, name, currency, status])
            if granted {
                try db.execute(sql: "INSERT INTO tt_access (user_id, advertiser_id) VALUES (?, ?)", arguments: [demoUserID, id])
            }
        }
        for (offset, name) in ["Newsletter subscribers", "Past purchasers"].enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO tt_audiences (id, advertiser_id, name, audience_type, create_time)
                    VALUES (?, '7000000000001', ?, 'Partner Audience', ?)
                    """,
                arguments: [firstAudienceID + Int64(offset), name, Int(now.timeIntervalSince1970)])
        }
        try db.execute(sql: "INSERT INTO tt_config (id, qps_limit, audience_cap) VALUES (1, ?, ?)",
                       arguments: [defaultQPSLimit, defaultAudienceCap])
    }
}

/// The runtime settings the `/_sandbox/tiktok/config` knob changes.
struct TikTokConfig: Sendable {
    /// Requests per second per endpoint for the app (`40100` beyond).
    var qpsLimit: Int
    /// Audiences one advertiser may hold.
    var audienceCap: Int

    static func load(_ db: Database) throws -> TikTokConfig {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tt_config WHERE id = 1") else {
            return TikTokConfig(qpsLimit: TikTokSchema.defaultQPSLimit, audienceCap: TikTokSchema.defaultAudienceCap)
        }
        return TikTokConfig(qpsLimit: row["qps_limit"], audienceCap: row["audience_cap"])
    }

    var json: JSON { .object([("qps_limit", .int(qpsLimit)), ("audience_cap", .int(audienceCap))]) }
}
