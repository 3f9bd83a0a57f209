import Foundation
import GRDB

/// The sandbox's own SQLite database: one WAL file shared by every request thread through a GRDB pool.
///
/// Every write runs in `BEGIN IMMEDIATE` (see ``write(_:)``), so a handler that reads then writes never loses
/// the write lock to another thread half-way. The clock lives here too: the wall clock plus an offset that
/// `/_sandbox/clock` advances, stored in the database so every thread sees the same time.
struct SandboxStore: Sendable {
    /// The pool: one writer connection, concurrent readers.
    let pool: DatabasePool
    /// The wall clock from the configuration.
    let wallClock: @Sendable () -> Date

    /// Opens (or creates) the file, applies the shared and per-partner migrations, and seeds partners that
    /// have never been seeded.
    init(path: String, partners: [any SandboxPartner], wallClock: @escaping @Sendable () -> Date) throws {
        var config = Configuration()
        // Writers queue for up to 10 s instead of failing with "database is locked".
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        config.label = "sandbox"
        config.prepareDatabase { db in
            // WAL + NORMAL keeps every committed transaction across a crash of the process.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Audience members are keyed by a random hash, so every 10,000-row call touches pages all over the
            // table: with SQLite's default 2 MB cache they were read back from the file again and again.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        pool = try DatabasePool(path: path, configuration: config)
        self.wallClock = wallClock

        var migrator = DatabaseMigrator()
        SandboxStore.registerSharedMigrations(&migrator)
        for partner in partners { partner.registerMigrations(&migrator) }
        try migrator.migrate(pool)

        let store = self
        try write { db in
            for partner in partners {
                let seeded = try Bool.fetchOne(db, sql: "SELECT 1 FROM sandbox_seeded WHERE partner = ?", arguments: [partner.name]) ?? false
                if !seeded {
                    try partner.seed(db, now: store.now(db))
                    try db.execute(sql: "INSERT INTO sandbox_seeded (partner) VALUES (?)", arguments: [partner.name])
                }
            }
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction, committed when it returns, rolled back when it throws.
    ///
    /// GRDB 7's `DatabasePool.write` also begins IMMEDIATE transactions; spelling the kind out keeps the rule
    /// visible and independent of the library's default.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// Runs `body` on a reader connection (a consistent snapshot).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// The sandbox time: the wall clock plus the stored offset.
    func now(_ db: Database) throws -> Date {
        let offset = try Double.fetchOne(db, sql: "SELECT offset_seconds FROM sandbox_clock WHERE id = 1") ?? 0
        return wallClock().addingTimeInterval(offset)
    }

    /// The sandbox time, read on its own.
    func now() throws -> Date {
        try read { db in try now(db) }
    }

    /// Puts everything back to the seed state in one transaction: partner data re-seeded, request log and
    /// faults emptied, clock offset zero.
    func reset(partners: [any SandboxPartner]) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM sandbox_requests")
            try db.execute(sql: "DELETE FROM sandbox_faults")
            try db.execute(sql: "UPDATE sandbox_clock SET offset_seconds = 0 WHERE id = 1")
            for partner in partners {
                try partner.deleteAll(db)
                try partner.seed(db, now: now(db))
            }
        }
    }

    /// Tables every partner shares: the clock, the seed marks, the fault rules and the request log.
    private static func registerSharedMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("sandbox-v1") { db in
            try db.execute(sql: """
                CREATE TABLE sandbox_clock (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    offset_seconds REAL NOT NULL DEFAULT 0 CHECK (offset_seconds >= 0)
                );
                INSERT INTO sandbox_clock (id, offset_seconds) VALUES (1, 0);

                CREATE TABLE sandbox_seeded (partner TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;

                CREATE TABLE sandbox_faults (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    partner TEXT NOT NULL CHECK (partner <> ''),
                    path_contains TEXT NOT NULL,
                    method TEXT CHECK (method IS NULL OR method <> ''),
                    share REAL NOT NULL CHECK (share >= 0 AND share <= 1),
                    max_count INTEGER CHECK (max_count IS NULL OR max_count >= 0),
                    status INTEGER CHECK (status IS NULL OR status BETWEEN 100 AND 599),
                    error_json TEXT,
                    raw_body TEXT,
                    content_type TEXT,
                    latency_ms INTEGER NOT NULL DEFAULT 0 CHECK (latency_ms >= 0 AND latency_ms <= 120000),
                    retry_after INTEGER CHECK (retry_after IS NULL OR retry_after >= 0),
                    seen INTEGER NOT NULL DEFAULT 0 CHECK (seen >= 0),
                    injected INTEGER NOT NULL DEFAULT 0 CHECK (injected >= 0)
                );

                CREATE TABLE sandbox_requests (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    partner TEXT NOT NULL,
                    time REAL NOT NULL,
                    method TEXT NOT NULL,
                    path TEXT NOT NULL,
                    query_json TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    error_code INTEGER,
                    ad_account TEXT,
                    fault_id INTEGER
                );
                CREATE INDEX sandbox_requests_partner ON sandbox_requests (partner, seq);
                """)
        }
        migrator.registerMigration("sandbox-v2-fault-body") { db in
            try db.execute(sql: "ALTER TABLE sandbox_faults ADD COLUMN body_contains TEXT NOT NULL DEFAULT ''")
        }
    }
}
