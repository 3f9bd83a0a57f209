import Foundation
import GRDB

/// The Pinterest emulator's tables and seed (partners.md §4). Ids look like Pinterest's: long numeric strings.
enum PinterestSchema {
    static let userID = "pin-user-1"
    static let userName = "Demo User"
    static let username = "demo_advertiser"
    /// Seeded ad accounts: two the demo user owns or administers (usable), one shared with analyst rights only
    /// (listed by Pinterest, refused on writes with 403), and one of somebody else (not listed; 404 code 2).
    static let usAccount = "549755885001"
    static let euAccount = "549755885002"
    static let analystAccount = "549755885003"
    static let foreignAccount = "549755885009"
    static let firstListID: Int64 = 3_100_000_001
    static let firstAudienceID: Int64 = 2_542_620_000_001
    /// partners.md §4.5: standard `ads_read` 1,000/min; `ads_write` unknown, the old v3 WRITE figure 400/min [S].
    static let defaultReadPerMinute = 1000
    static let defaultWritePerMinute = 400
    /// "The list must include at least 100 Pinterest accounts" (partners.md §4.3).
    static let defaultMinAudienceSize = 100
    /// Not in the spec; partners.md §4.5 says use ≤ 50,000 [I].
    static let defaultMaxRecords = 50_000

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("pinterest-v1") { db in
            try db.execute(sql: """
                CREATE TABLE pin_ad_accounts (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL CHECK (name <> ''),
                    owner_username TEXT NOT NULL,
                    country TEXT NOT NULL,
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    permissions TEXT NOT NULL,
                    visible INTEGER NOT NULL CHECK (visible IN (0, 1)),
                    rate_limit_rejections INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE TABLE pin_customer_lists (
                    id INTEGER PRIMARY KEY,
                    ad_account_id TEXT NOT NULL REFERENCES pin_ad_accounts (id),
                    name TEXT NOT NULL,
                    list_type TEXT NOT NULL,
                    num_batches INTEGER NOT NULL DEFAULT 0,
                    num_uploaded INTEGER NOT NULL DEFAULT 0,
                    num_removed INTEGER NOT NULL DEFAULT 0,
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE pin_audiences (
                    id INTEGER PRIMARY KEY,
                    ad_account_id TEXT NOT NULL REFERENCES pin_ad_accounts (id),
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    customer_list_id INTEGER NOT NULL REFERENCES pin_customer_lists (id),
                    removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE pin_members (
                    list_id INTEGER NOT NULL REFERENCES pin_customer_lists (id),
                    record TEXT NOT NULL,
                    PRIMARY KEY (list_id, record)
                ) WITHOUT ROWID;
                CREATE TABLE pin_calls (
                    id INTEGER PRIMARY KEY,
                    category TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX pin_calls_window ON pin_calls (category, at);
                CREATE TABLE pin_config (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    ads_read_per_minute INTEGER NOT NULL,
                    ads_write_per_minute INTEGER NOT NULL,
                    min_audience_size INTEGER NOT NULL,
                    max_records INTEGER NOT NULL
                );
                """)
        }
    }

    static let tables = ["pin_config", "pin_calls", "pin_members", "pin_audiences", "pin_customer_lists", "pin_ad_accounts"]

    static func deleteAll(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// Four ad accounts (see above) and, on the US account, the customer list "Newsletter subscribers" (no
    /// records yet) with its CUSTOMER_LIST audience.
    static func seed(_ db: Database, now: Date) throws {
        let accounts: [(String, String, String, String, String, String, Int)] = [
            (usAccount, "Demo Shop — US", username, "US", "USD", "OWNER", 1),
            (euAccount, "Demo Shop — EU", "demo_agency", "DE", "EUR", "ADMINISTRATOR", 1),
            (analystAccount, "Partner Brand — Reports only", "partner_brand", "US", "USD", "ANALYST", 1),
            (foreignAccount, "Someone Else — Not Yours", "someone_else", "GB", "GBP", "OWNER", 0),
        ]
        for a in accounts {
            try db.execute(sql: """
                INSERT INTO pin_ad_accounts (id, name, owner_username, country, currency, permissions, visible) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [a.0, a.1, a.2, a.3, a.4, a.5, a.6])
        }
        let t = now.timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO pin_customer_lists (id, ad_account_id, name, list_type, created_at, updated_at) VALUES (?, ?, 'Newsletter subscribers', 'EMAIL', ?, ?)
            """, arguments: [firstListID, usAccount, t, t])
        try db.execute(sql: """
            INSERT INTO pin_audiences (id, ad_account_id, name, description, customer_list_id, created_at, updated_at)
            VALUES (?, ?, 'Newsletter subscribers', '', ?, ?, ?)
            """, arguments: [firstAudienceID, usAccount, firstListID, t, t])
        try db.execute(sql: "INSERT INTO pin_config (id, ads_read_per_minute, ads_write_per_minute, min_audience_size, max_records) VALUES (1, ?, ?, ?, ?)",
                       arguments: [defaultReadPerMinute, defaultWritePerMinute, defaultMinAudienceSize, defaultMaxRecords])
    }
}

/// The settings `/_sandbox/pinterest/config` changes.
struct PinterestConfig: Sendable {
    var readPerMinute: Int
    var writePerMinute: Int
    var minAudienceSize: Int
    var maxRecords: Int

    static let keys = ["ads_read_per_minute", "ads_write_per_minute", "min_audience_size", "max_records"]

    static func load(_ db: Database) throws -> PinterestConfig {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM pin_config WHERE id = 1") else {
            return PinterestConfig(readPerMinute: PinterestSchema.defaultReadPerMinute, writePerMinute: PinterestSchema.defaultWritePerMinute,
                                   minAudienceSize: PinterestSchema.defaultMinAudienceSize, maxRecords: PinterestSchema.defaultMaxRecords)
        }
        return PinterestConfig(readPerMinute: row["ads_read_per_minute"], writePerMinute: row["ads_write_per_minute"],
                               minAudienceSize: row["min_audience_size"], maxRecords: row["max_records"])
    }

    var json: JSON {
        .object([("ads_read_per_minute", .int(readPerMinute)), ("ads_write_per_minute", .int(writePerMinute)),
                 ("min_audience_size", .int(minAudienceSize)), ("max_records", .int(maxRecords))])
    }
}
