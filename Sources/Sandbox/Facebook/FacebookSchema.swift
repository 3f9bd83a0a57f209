import Foundation
import GRDB

/// The Facebook emulator's tables and seed. Rules live in the schema (`CHECK`, `UNIQUE`, foreign keys) so a
/// handler bug cannot write a state the real platform could not be in.
enum FacebookSchema {
    /// A DISABLED ad account (`account_status` 2): listed, and Graph refuses its custom audiences.
    static let disabledAccountID = 1004
    /// The seeded people.
    static let demoUserID = "10000001"
    static let demoUserName = "Demo User"
    static let systemUserID = "20000001"
    static let systemUserName = "AudienceSync System User"
    static let businessID = "300001"
    static let businessName = "Demo Business"
    /// Audience ids look like real ones (17 digits); the seeds take the first two.
    static let firstAudienceID: Int64 = 23_850_000_000_000_001

    /// Hourly base of the Custom Audience limit (advanced access), the remove threshold and appsecret_proof.
    static let defaultHourlyCallLimit = 190_000
    static let defaultRemoveThreshold = 1000

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("facebook-v1") { db in
            try db.execute(sql: """
                CREATE TABLE fb_users (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL CHECK (name <> ''),
                    kind TEXT NOT NULL CHECK (kind IN ('user', 'system_user'))
                ) WITHOUT ROWID;

                CREATE TABLE fb_ad_accounts (
                    id INTEGER PRIMARY KEY CHECK (id > 0),
                    name TEXT NOT NULL CHECK (name <> ''),
                    account_status INTEGER NOT NULL DEFAULT 1 CHECK (account_status IN (1, 2, 3, 7, 8, 9, 100, 101)),
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    timezone_name TEXT NOT NULL,
                    business_id TEXT,
                    business_name TEXT,
                    tos_accepted INTEGER NOT NULL CHECK (tos_accepted IN (0, 1)),
                    CHECK ((business_id IS NULL) = (business_name IS NULL))
                );

                CREATE TABLE fb_account_access (
                    user_id TEXT NOT NULL REFERENCES fb_users (id) ON DELETE CASCADE,
                    account_id INTEGER NOT NULL REFERENCES fb_ad_accounts (id) ON DELETE CASCADE,
                    PRIMARY KEY (user_id, account_id)
                ) WITHOUT ROWID;

                CREATE TABLE fb_audiences (
                    id INTEGER PRIMARY KEY,
                    account_id INTEGER NOT NULL REFERENCES fb_ad_accounts (id),
                    name TEXT NOT NULL CHECK (name <> ''),
                    description TEXT NOT NULL DEFAULT '',
                    subtype TEXT NOT NULL CHECK (subtype = 'CUSTOM'),
                    customer_file_source TEXT NOT NULL
                        CHECK (customer_file_source IN ('USER_PROVIDED_ONLY', 'PARTNER_PROVIDED_ONLY', 'BOTH_USER_AND_PARTNER_PROVIDED')),
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                    time_created INTEGER NOT NULL,
                    time_content_updated INTEGER NOT NULL,
                    member_count INTEGER NOT NULL DEFAULT 0 CHECK (member_count >= 0),
                    request_count INTEGER NOT NULL DEFAULT 0 CHECK (request_count >= 0),
                    rows_added INTEGER NOT NULL DEFAULT 0 CHECK (rows_added >= 0),
                    rows_removed INTEGER NOT NULL DEFAULT 0 CHECK (rows_removed >= 0),
                    invalid_entries INTEGER NOT NULL DEFAULT 0 CHECK (invalid_entries >= 0)
                );
                CREATE INDEX fb_audiences_account ON fb_audiences (account_id, deleted, id);

                CREATE TABLE fb_audience_members (
                    audience_id INTEGER NOT NULL REFERENCES fb_audiences (id) ON DELETE CASCADE,
                    identity TEXT NOT NULL CHECK (identity <> ''),
                    PRIMARY KEY (audience_id, identity)
                ) WITHOUT ROWID;

                CREATE TABLE fb_upload_sessions (
                    audience_id INTEGER NOT NULL REFERENCES fb_audiences (id) ON DELETE CASCADE,
                    session_id TEXT NOT NULL CHECK (session_id <> ''),
                    num_received INTEGER NOT NULL CHECK (num_received >= 0),
                    num_invalid_entries INTEGER NOT NULL CHECK (num_invalid_entries >= 0),
                    last_batch_seq INTEGER,
                    finished INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
                    started_at REAL NOT NULL,
                    PRIMARY KEY (audience_id, session_id)
                ) WITHOUT ROWID;

                CREATE TABLE fb_codes (
                    code TEXT PRIMARY KEY NOT NULL,
                    client_id TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES fb_users (id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL CHECK (expires_at > created_at),
                    used_at REAL
                ) WITHOUT ROWID;

                CREATE TABLE fb_tokens (
                    value TEXT PRIMARY KEY NOT NULL CHECK (length(value) >= 100),
                    kind TEXT NOT NULL CHECK (kind IN ('short', 'long', 'system_user')),
                    user_id TEXT NOT NULL REFERENCES fb_users (id) ON DELETE CASCADE,
                    app_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    issued_at REAL NOT NULL,
                    expires_at REAL,
                    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
                    CHECK ((kind = 'system_user') = (expires_at IS NULL))
                ) WITHOUT ROWID;

                CREATE TABLE fb_config (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    hourly_call_limit INTEGER NOT NULL CHECK (hourly_call_limit >= 0),
                    remove_threshold INTEGER NOT NULL CHECK (remove_threshold >= 0),
                    require_appsecret_proof INTEGER NOT NULL CHECK (require_appsecret_proof IN (0, 1))
                );

                CREATE TABLE fb_calls (
                    id INTEGER PRIMARY KEY,
                    account_id INTEGER NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX fb_calls_window ON fb_calls (account_id, at);

                CREATE TABLE fb_rate_rejections (
                    id INTEGER PRIMARY KEY,
                    account_id INTEGER NOT NULL,
                    audience_id INTEGER,
                    at REAL NOT NULL
                );
                CREATE INDEX fb_rate_rejections_audience ON fb_rate_rejections (audience_id);
                """)
        }
        // Whether the member's latest upload asked for Limited Data Use (`DATA_PROCESSING_OPTIONS` ["LDU"]).
        migrator.registerMigration("facebook-v2-ldu") { db in
            try db.execute(sql: "ALTER TABLE fb_audience_members ADD COLUMN ldu INTEGER NOT NULL DEFAULT 0 CHECK (ldu IN (0, 1))")
        }
    }

    /// Tables in an order that deletes children before parents.
    static let tables = ["fb_rate_rejections", "fb_calls", "fb_config", "fb_tokens", "fb_codes", "fb_upload_sessions",
                         "fb_audience_members", "fb_audiences", "fb_account_access", "fb_ad_accounts", "fb_users"]

    static func deleteAll(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// The seed: Demo User and the system user, both reaching four ad accounts of Demo Business; act_1001 has
    /// two empty audiences; act_1003 has not accepted the Custom Audience terms; act_1004 is DISABLED (`account_status` 2).
    static func seed(_ db: Database, now: Date) throws {
        try db.execute(sql: "INSERT INTO fb_users (id, name, kind) VALUES (?, ?, 'user'), (?, ?, 'system_user')",
                       arguments: [demoUserID, demoUserName, systemUserID, systemUserName])
        let accounts: [(Int, String, String, String, Int)] = [
            (1001, "Demo Retail — US", "USD", "America/Los_Angeles", 1),
            (1002, "Demo Retail — EU", "EUR", "Europe/Dublin", 1),
            (1003, "Demo Brand — Terms pending", "USD", "America/New_York", 0),
        ]
        for (id, name, currency, timezone, tos) in accounts {
            try insertAccount(db, id: id, name: name, currency: currency, timezone: timezone, tosAccepted: tos == 1)
        }
        try insertAccount(db, id: disabledAccountID, name: "Demo Outlet — Disabled", currency: "USD", timezone: "America/Chicago", tosAccepted: true)
        try db.execute(sql: "UPDATE fb_ad_accounts SET account_status = 2 WHERE id = ?", arguments: [disabledAccountID])
        let created = Int(now.timeIntervalSince1970)
        for (offset, name) in ["Newsletter subscribers", "Past purchasers"].enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO fb_audiences (id, account_id, name, description, subtype, customer_file_source, time_created, time_content_updated)
                    VALUES (?, 1001, ?, '', 'CUSTOM', 'USER_PROVIDED_ONLY', ?, ?)
                    """,
                arguments: [firstAudienceID + Int64(offset), name, created, created])
        }
        try db.execute(sql: "INSERT INTO fb_config (id, hourly_call_limit, remove_threshold, require_appsecret_proof) VALUES (1, ?, ?, 1)",
                       arguments: [defaultHourlyCallLimit, defaultRemoveThreshold])
    }

    /// Adds an ad account of Demo Business that both seeded users can reach.
    static func insertAccount(_ db: Database, id: Int, name: String, currency: String, timezone: String, tosAccepted: Bool) throws {
        try db.execute(
            sql: """
                INSERT INTO fb_ad_accounts (id, name, account_status, currency, timezone_name, business_id, business_name, tos_accepted)
                VALUES (?, ?, 1, ?, ?, ?, ?, ?)
                """,
            arguments: [id, name, currency, timezone, businessID, businessName, tosAccepted ? 1 : 0])
        try db.execute(sql: "INSERT INTO fb_account_access (user_id, account_id) VALUES (?, ?), (?, ?)",
                       arguments: [demoUserID, id, systemUserID, id])
    }
}

/// The runtime settings the `/_sandbox/facebook/config` knob changes.
struct FacebookConfig: Sendable {
    var hourlyCallLimit: Int
    var removeThreshold: Int
    var requireAppSecretProof: Bool

    static func load(_ db: Database) throws -> FacebookConfig {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM fb_config WHERE id = 1") else {
            return FacebookConfig(hourlyCallLimit: FacebookSchema.defaultHourlyCallLimit,
                                  removeThreshold: FacebookSchema.defaultRemoveThreshold, requireAppSecretProof: true)
        }
        let require: Int = row["require_appsecret_proof"]
        return FacebookConfig(hourlyCallLimit: row["hourly_call_limit"], removeThreshold: row["remove_threshold"],
                              requireAppSecretProof: require == 1)
    }
}
