import Foundation
import GRDB

/// The LinkedIn emulator's tables and seed (partners.md §7). Rules live in the schema (`CHECK`, keys) so a handler
/// bug cannot write a state LinkedIn could not be in.
enum LinkedInSchema {
    /// The seeded member who signs in on the consent page (`urn:li:person:DeMo4uSeR1`).
    static let demoMemberID = "DeMo4uSeR1"
    static let demoFirstName = "Demo"
    static let demoLastName = "User"
    static var demoMemberName: String { demoFirstName + " " + demoLastName }
    /// Seeded sponsored accounts: two the member manages, one it may only view (filtered out by clients).
    static let seedAccounts: [(id: Int64, name: String, currency: String, role: String)] = [
        (508_000_001, "Demo Company Ads", "USD", "ACCOUNT_MANAGER"),
        (508_000_002, "Demo Brand Ads", "EUR", "CAMPAIGN_MANAGER"),
        (508_000_003, "Partner Agency (view only)", "USD", "VIEWER"),
    ]
    /// A READY segment seeded in the first account, created a day before the seed.
    static let seedSegmentID: Int64 = 9_100_001
    /// New segment ids follow the seed's.
    static let defaultRateLimitPerSecond = 10
    /// "After creating a DMP segment, wait 5 seconds for it to become available before adding users" (§7.3).
    static let defaultSegmentReadySeconds = 5.0

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("linkedin-v1") { db in
            try db.execute(sql: """
                CREATE TABLE li_members (
                    id TEXT PRIMARY KEY NOT NULL,
                    first_name TEXT NOT NULL,
                    last_name TEXT NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE li_ad_accounts (
                    id INTEGER PRIMARY KEY CHECK (id > 0),
                    name TEXT NOT NULL CHECK (name <> ''),
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DRAFT', 'CANCELED', 'PENDING_DELETION', 'REMOVED'))
                );

                CREATE TABLE li_account_users (
                    member_id TEXT NOT NULL REFERENCES li_members (id) ON DELETE CASCADE,
                    account_id INTEGER NOT NULL REFERENCES li_ad_accounts (id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('ACCOUNT_BILLING_ADMIN', 'ACCOUNT_MANAGER', 'CAMPAIGN_MANAGER', 'CREATIVE_MANAGER', 'VIEWER')),
                    PRIMARY KEY (member_id, account_id)
                ) WITHOUT ROWID;

                CREATE TABLE li_codes (
                    code TEXT PRIMARY KEY NOT NULL,
                    client_id TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    member_id TEXT NOT NULL REFERENCES li_members (id),
                    expires_at REAL NOT NULL,
                    used_at REAL
                ) WITHOUT ROWID;

                CREATE TABLE li_tokens (
                    value TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
                    member_id TEXT NOT NULL REFERENCES li_members (id),
                    client_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    issued_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
                ) WITHOUT ROWID;

                CREATE TABLE li_segments (
                    id INTEGER PRIMARY KEY,
                    account_id INTEGER NOT NULL REFERENCES li_ad_accounts (id),
                    name TEXT NOT NULL CHECK (name <> ''),
                    type TEXT NOT NULL CHECK (type IN ('USER', 'COMPANY')),
                    source_platform TEXT NOT NULL CHECK (source_platform <> ''),
                    source_segment_id TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    ready_at REAL NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                    add_requests INTEGER NOT NULL DEFAULT 0,
                    remove_requests INTEGER NOT NULL DEFAULT 0,
                    not_ready_refusals INTEGER NOT NULL DEFAULT 0,
                    rejected_elements INTEGER NOT NULL DEFAULT 0
                );

                CREATE TABLE li_segment_members (
                    segment_id INTEGER NOT NULL REFERENCES li_segments (id) ON DELETE CASCADE,
                    id_type TEXT NOT NULL CHECK (id_type IN ('SHA256_EMAIL', 'SHA512_EMAIL', 'GOOGLE_AID')),
                    id_value TEXT NOT NULL CHECK (id_value <> ''),
                    added_at REAL NOT NULL,
                    PRIMARY KEY (segment_id, id_type, id_value)
                ) WITHOUT ROWID;

                CREATE TABLE li_calls (member_id TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX li_calls_member ON li_calls (member_id, at);

                CREATE TABLE li_config (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    rate_limit_per_second INTEGER NOT NULL CHECK (rate_limit_per_second >= 0),
                    segment_ready_seconds REAL NOT NULL CHECK (segment_ready_seconds >= 0),
                    rate_rejections INTEGER NOT NULL DEFAULT 0
                );
                """)
        }
    }

    /// The demo member, its accounts (one view-only), a READY segment, default limits.
    static func seed(_ db: Database, now: Date) throws {
        try db.execute(sql: "INSERT INTO li_members (id, first_name, last_name) VALUES (?, ?, ?)",
                       arguments: [demoMemberID, demoFirstName, demoLastName])
        for account in seedAccounts {
            try db.execute(sql: "INSERT INTO li_ad_accounts (id, name, currency, status) VALUES (?, ?, ?, 'ACTIVE')",
                           arguments: [account.id, account.name, account.currency])
            try db.execute(sql: "INSERT INTO li_account_users (member_id, account_id, role) VALUES (?, ?, ?)",
                           arguments: [demoMemberID, account.id, account.role])
        }
        let created = now.addingTimeInterval(-86_400).timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO li_segments (id, account_id, name, type, source_platform, source_segment_id, created_at, ready_at)
            VALUES (?, ?, 'Newsletter subscribers', 'USER', 'LIST_UPLOAD', 'newsletter', ?, ?)
            """, arguments: [seedSegmentID, seedAccounts[0].id, created, created])
        try db.execute(sql: "INSERT INTO li_config (id, rate_limit_per_second, segment_ready_seconds) VALUES (1, ?, ?)",
                       arguments: [defaultRateLimitPerSecond, defaultSegmentReadySeconds])
    }

    static func deleteAll(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM li_segment_members; DELETE FROM li_segments; DELETE FROM li_calls; DELETE FROM li_config;
            DELETE FROM li_tokens; DELETE FROM li_codes; DELETE FROM li_account_users; DELETE FROM li_ad_accounts; DELETE FROM li_members;
            """)
    }

    /// The emulator's settings.
    struct Config {
        var rateLimitPerSecond: Int
        var segmentReadySeconds: Double
    }

    static func config(_ db: Database) throws -> Config {
        let row = try Row.fetchOne(db, sql: "SELECT * FROM li_config WHERE id = 1")
        return Config(rateLimitPerSecond: row?["rate_limit_per_second"] ?? defaultRateLimitPerSecond,
                      segmentReadySeconds: row?["segment_ready_seconds"] ?? defaultSegmentReadySeconds)
    }
}
