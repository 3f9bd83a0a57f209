import Foundation
import GRDB

/// The Google emulator's tables and seed: one Google account, the Google Ads customers it reaches (one manager,
/// which is no sync target, and two clients), OAuth codes and tokens, Data Manager user lists and their members,
/// the per-project quota counters and the settings the config knob changes.
enum GoogleSchema {
    static let demoUserID = "110000000000000000001"
    static let demoUserName = "Demo User"
    static let demoUserEmail = "demo.user@example.com"
    /// The manager (MCC) account: reachable, but not a place for lists.
    static let managerID = "9000000001"
    /// The two client customers.
    static let clientIDs = ["1234567890", "2345678901"]
    /// A cancelled client: listed by `listAccessibleCustomers`, refused (`CUSTOMER_NOT_ENABLED`) by everything else.
    static let cancelledID = "3456789012"
    /// An enabled client that has not accepted the customer data terms: its Customer Match uploads are refused.
    static let termsPendingID = "4567890123"
    /// User list ids look like real ones (10 digits).
    static let firstListID: Int64 = 8_800_000_001
    /// The developer token the emulated Google Ads API accepts unless the config knob says otherwise.
    static let defaultDeveloperToken = "sandbox-google-developer-token"
    /// Data Manager quota per project and minute, for ingestion and for everything else (partners.md §3b.4).
    static let defaultPerMinute = 300
    /// Google shows a list's size as zero until it has 1,000 members (partners.md §3.6).
    static let defaultSizeFloor = 1000

    static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("google-v1") { db in
            try db.execute(sql: """
                CREATE TABLE google_users (
                    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL CHECK (name <> ''), email TEXT NOT NULL CHECK (email <> '')
                ) WITHOUT ROWID;

                CREATE TABLE google_customers (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 10 AND id NOT GLOB '*[^0-9]*'),
                    name TEXT NOT NULL CHECK (name <> ''),
                    currency TEXT NOT NULL CHECK (length(currency) = 3),
                    time_zone TEXT NOT NULL,
                    manager INTEGER NOT NULL CHECK (manager IN (0, 1)),
                    status TEXT NOT NULL DEFAULT 'ENABLED' CHECK (status IN ('ENABLED', 'CANCELED', 'SUSPENDED', 'CLOSED')),
                    managed_by TEXT REFERENCES google_customers (id)
                ) WITHOUT ROWID;

                CREATE TABLE google_customer_access (
                    user_id TEXT NOT NULL REFERENCES google_users (id) ON DELETE CASCADE,
                    customer_id TEXT NOT NULL REFERENCES google_customers (id) ON DELETE CASCADE,
                    PRIMARY KEY (user_id, customer_id)
                ) WITHOUT ROWID;

                CREATE TABLE google_codes (
                    code TEXT PRIMARY KEY NOT NULL,
                    client_id TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    offline INTEGER NOT NULL CHECK (offline IN (0, 1)),
                    challenge TEXT,
                    challenge_method TEXT CHECK (challenge_method IS NULL OR challenge_method IN ('S256', 'plain')),
                    user_id TEXT NOT NULL REFERENCES google_users (id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL CHECK (expires_at > created_at),
                    used_at REAL
                ) WITHOUT ROWID;

                CREATE TABLE google_tokens (
                    value TEXT PRIMARY KEY NOT NULL CHECK (length(value) >= 40),
                    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
                    user_id TEXT NOT NULL REFERENCES google_users (id) ON DELETE CASCADE,
                    client_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    issued_at REAL NOT NULL,
                    expires_at REAL,
                    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
                    CHECK ((kind = 'refresh') = (expires_at IS NULL))
                ) WITHOUT ROWID;

                CREATE TABLE google_user_lists (
                    id INTEGER PRIMARY KEY,
                    customer_id TEXT NOT NULL REFERENCES google_customers (id),
                    display_name TEXT NOT NULL CHECK (display_name <> ''),
                    description TEXT NOT NULL DEFAULT '',
                    upload_key_type TEXT NOT NULL CHECK (upload_key_type IN ('CONTACT_ID', 'MOBILE_ID', 'USER_ID')),
                    mobile_key_space TEXT,
                    mobile_app_id TEXT,
                    membership_days INTEGER NOT NULL CHECK (membership_days BETWEEN 0 AND 540 OR membership_days = 10000),
                    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
                    created_at REAL NOT NULL,
                    requests INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
                    members_added INTEGER NOT NULL DEFAULT 0 CHECK (members_added >= 0),
                    members_removed INTEGER NOT NULL DEFAULT 0 CHECK (members_removed >= 0),
                    CHECK ((upload_key_type = 'MOBILE_ID') = (mobile_app_id IS NOT NULL))
                );
                CREATE UNIQUE INDEX google_user_lists_name ON google_user_lists (customer_id, display_name) WHERE deleted = 0;

                CREATE TABLE google_members (
                    list_id INTEGER NOT NULL REFERENCES google_user_lists (id) ON DELETE CASCADE,
                    identifier TEXT NOT NULL CHECK (identifier <> ''),
                    ad_user_data TEXT NOT NULL,
                    ad_personalization TEXT NOT NULL,
                    PRIMARY KEY (list_id, identifier)
                ) WITHOUT ROWID;

                CREATE TABLE google_ingest_requests (
                    request_id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('ingest', 'remove')),
                    destinations TEXT NOT NULL,
                    data_type TEXT NOT NULL,
                    record_count INTEGER NOT NULL,
                    identifier_count INTEGER NOT NULL,
                    at REAL NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE google_calls (id INTEGER PRIMARY KEY, client_id TEXT NOT NULL, quota TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX google_calls_window ON google_calls (client_id, quota, at);

                CREATE TABLE google_rate_rejections (id INTEGER PRIMARY KEY, client_id TEXT NOT NULL, quota TEXT NOT NULL, at REAL NOT NULL);

                CREATE TABLE google_headers (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    method TEXT NOT NULL, path TEXT NOT NULL, authorization_scheme TEXT, developer_token TEXT,
                    login_customer_id TEXT, login_account TEXT, content_type TEXT
                );

                CREATE TABLE google_config (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    ingestion_per_minute INTEGER NOT NULL CHECK (ingestion_per_minute >= 0),
                    management_per_minute INTEGER NOT NULL CHECK (management_per_minute >= 0),
                    size_floor INTEGER NOT NULL CHECK (size_floor >= 0),
                    developer_token TEXT NOT NULL
                );
                """)
        }
        // `customer.customer_agreement_setting.accepted_customer_data_terms` [I: the Google Ads API field that says
        // whether the customer data terms Customer Match needs are accepted].
        migrator.registerMigration("google-v2-customer-data-terms") { db in
            try db.execute(sql: "ALTER TABLE google_customers ADD COLUMN customer_data_terms INTEGER NOT NULL DEFAULT 1 CHECK (customer_data_terms IN (0, 1))")
        }
    }

    /// Children before parents.
    static let tables = ["google_headers", "google_rate_rejections", "google_calls", "google_config", "google_ingest_requests",
                         "google_members", "google_user_lists", "google_tokens", "google_codes", "google_customer_access",
                         "google_customers", "google_users"]

    static func deleteAll(_ db: Database) throws {
        for table in tables { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// The seed: Demo User reaches the manager 900-000-0001, its two clients 123-456-7890 (two lists: contacts and
    /// iOS mobile ids) and 234-567-8901 (none), the cancelled 345-678-9012, and 456-789-0123, which has not accepted the
    /// customer data terms.
    static func seed(_ db: Database, now: Date) throws {
        try db.execute(sql: "INSERT INTO google_users (id, name, email) VALUES (?, ?, ?)", arguments: [demoUserID, demoUserName, demoUserEmail])
        try insertCustomer(db, id: managerID, name: "Demo Agency (manager)", currency: "USD", timeZone: "America/New_York", manager: true, managedBy: nil)
        try insertCustomer(db, id: clientIDs[0], name: "Demo Retail — US", currency: "USD", timeZone: "America/Los_Angeles", manager: false,
                           managedBy: managerID)
        try insertCustomer(db, id: clientIDs[1], name: "Demo Retail — EU", currency: "EUR", timeZone: "Europe/Dublin", manager: false,
                           managedBy: managerID)
        try insertCustomer(db, id: cancelledID, name: "Old Brand (cancelled)", currency: "USD", timeZone: "America/New_York", manager: false,
                           managedBy: nil)
        try db.execute(sql: "UPDATE google_customers SET status = 'CANCELED' WHERE id = ?", arguments: [cancelledID])
        try insertCustomer(db, id: termsPendingID, name: "Demo Outlet — Terms pending", currency: "USD", timeZone: "America/Chicago", manager: false,
                           managedBy: nil)
        try db.execute(sql: "UPDATE google_customers SET customer_data_terms = 0 WHERE id = ?", arguments: [termsPendingID])
        try db.execute(
            sql: """
                INSERT INTO google_user_lists (id, customer_id, display_name, description, upload_key_type, mobile_key_space, mobile_app_id,
                    membership_days, created_at)
                VALUES (?, ?, 'Newsletter subscribers', '', 'CONTACT_ID', NULL, NULL, 540, ?),
                       (?, ?, 'App users (iOS)', '', 'MOBILE_ID', 'IOS', '1234567890', 540, ?)
                """,
            arguments: [firstListID, clientIDs[0], now.timeIntervalSince1970, firstListID + 1, clientIDs[0], now.timeIntervalSince1970])
        try db.execute(sql: "INSERT INTO google_config (id, ingestion_per_minute, management_per_minute, size_floor, developer_token) VALUES (1, ?, ?, ?, ?)",
                       arguments: [defaultPerMinute, defaultPerMinute, defaultSizeFloor, defaultDeveloperToken])
    }

    /// A customer Demo User reaches directly.
    static func insertCustomer(_ db: Database, id: String, name: String, currency: String, timeZone: String, manager: Bool,
                               managedBy: String?) throws {
        try db.execute(sql: "INSERT INTO google_customers (id, name, currency, time_zone, manager, managed_by) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [id, name, currency, timeZone, manager ? 1 : 0, managedBy])
        try db.execute(sql: "INSERT INTO google_customer_access (user_id, customer_id) VALUES (?, ?)", arguments: [demoUserID, id])
    }
}

/// The settings `/_sandbox/google/config` changes.
struct GoogleConfig: Sendable {
    var ingestionPerMinute: Int
    var managementPerMinute: Int
    var sizeFloor: Int
    var developerToken: String

    static func load(_ db: Database) throws -> GoogleConfig {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM google_config WHERE id = 1") else {
            return GoogleConfig(ingestionPerMinute: GoogleSchema.defaultPerMinute, managementPerMinute: GoogleSchema.defaultPerMinute,
                                sizeFloor: GoogleSchema.defaultSizeFloor, developerToken: GoogleSchema.defaultDeveloperToken)
        }
        return GoogleConfig(ingestionPerMinute: row["ingestion_per_minute"], managementPerMinute: row["management_per_minute"],
                            sizeFloor: row["size_floor"], developerToken: row["developer_token"])
    }

    var json: JSON {
        .object([("ingestion_per_minute", .int(ingestionPerMinute)), ("management_per_minute", .int(managementPerMinute)),
                 ("size_floor", .int(sizeFloor)), ("developer_token", .string(developerToken))])
    }
}
