import Core
import Foundation
import GRDB
import Synchronization

/// The one owner of the application's SQLite database.
///
/// Every method is a named transaction that keeps the schema's invariants; no SQL leaves this module.
/// Writes run in `BEGIN IMMEDIATE` transactions on GRDB's single writer connection; reads run concurrently
/// on the pool's reader connections (WAL).
public final class Store: Sendable {
    let pool: DatabasePool
    /// Commits since the last full checkpoint (see ``restartWALIfDue()``).
    private let commitsSinceCheckpoint = Atomic<Int>(0)
    /// How many commits may pass between two `wal_checkpoint(RESTART)`s.
    static let commitsPerCheckpoint = 500

    /// The database file.
    public var path: String { pool.path }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// `busyTimeout` is how long a write waits for another connection's lock before failing: 5 s for the app (a
    /// request should fail rather than hang), longer for a command-line tool run beside a busy app — SQLite's lock
    /// is not fair, and a tool's one write can lose to the app's writer many times in a row.
    /// - Throws: ``StoreError/unavailable(_:)`` when the file cannot be opened or migrated.
    public init(path: String, busyTimeout: TimeInterval = 5) throws(StoreError) {
        var configuration = Configuration()
        // Wait for the writer lock instead of failing at once (design.md §3: busy_timeout ≥ 5 s).
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            Self.addCriteriaFunctions(db)
            // Deleted rows are overwritten with zeros, so an erased person's values do not linger in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // FULL: a commit acknowledged to a client survives power loss (reliability.md Q-2). Set here, on the one
            // writer connection, because GRDB switches it to NORMAL when it turns WAL on, after `prepareDatabase` ran.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // After the WAL restarts, the file is cut back to this size instead of keeping its high-water mark.
                try db.execute(sql: "PRAGMA journal_size_limit = \(16 << 20)")
            }
            try Migrations.migrator.migrate(pool)
        } catch let error as DatabaseError where Self.meansDamaged(error) {
            throw Self.damaged(path, [error.message ?? "database disk image is malformed"])
        } catch {
            throw .unavailable(String(describing: error))
        }
    }

    /// The busy timeout of command-line tools (`admin`, `migrate`, `backup`, `rotate-key`, `restore-drill`).
    public static let toolBusyTimeout: TimeInterval = 120

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction and commits.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            var result: T?
            try pool.writeInTransaction(.immediate) { db in
                result = try body(db)
                return .commit
            }
            restartWALIfDue()
            return result!
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.from(error)
        }
    }

    /// Copies every committed page from the WAL into the database file and empties the WAL (what SQLite does by itself
    /// as the WAL grows): for tools and tests that need the file itself to hold everything.
    public func checkpoint() throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        } catch {
            throw StoreError.from(error)
        }
    }

    /// Every `commitsPerCheckpoint` commits, looks at the WAL's length, and when it has grown past
    /// `walFramesBeforeRestart` copies it into the file and has the next commit start it over.
    ///
    /// SQLite's own automatic checkpoint is PASSIVE: while readers keep arriving, some reader always holds a snapshot
    /// inside the WAL, the WAL never starts over and grows without bound (the contention test saw 79 MB in a minute of
    /// 16 writers and 4 readers). RESTART waits, through the busy handler, only for the readers already in the WAL —
    /// readers that start after the copy read the file itself. It holds up writes while it waits, so it runs only when
    /// the WAL really grew; in ordinary use the WAL starts over by itself and this never fires.
    private func restartWALIfDue() {
        guard commitsSinceCheckpoint.add(1, ordering: .relaxed).newValue >= Self.commitsPerCheckpoint else { return }
        commitsSinceCheckpoint.store(0, ordering: .relaxed)
        try? pool.writeWithoutTransaction { db in
            // (busy, frames in the WAL, frames copied)
            guard let passive = try Row.fetchOne(db.cachedStatement(sql: "PRAGMA wal_checkpoint(PASSIVE)")),
                  (passive[1] as Int?) ?? 0 > Self.walFramesBeforeRestart else { return }
            try db.execute(sql: "PRAGMA wal_checkpoint(RESTART)")
        }
    }

    /// WAL frames (pages; 4 KiB each by default) above which ``restartWALIfDue()`` restarts the WAL: 16 MiB.
    static let walFramesBeforeRestart = 4096

    /// Runs `body` on a reader connection.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError.from(error)
        }
    }

    /// The names of the migrations applied, oldest first (for `audiencesync migrate`).
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try Migrations.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Refuses a damaged file before anything reads or writes it (reliability.md Q-13).
    ///
    /// `PRAGMA quick_check` reads every page once (about a second per GB) but skips the index-content comparison of
    /// `integrity_check`, so it is cheap enough for every start.
    /// - Throws: ``StoreError/unavailable(_:)`` naming the file and SQLite's first complaints when it is not "ok".
    public func quickCheck() throws(StoreError) {
        let findings: [String]
        do {
            findings = try pool.read { db in try String.fetchAll(db.cachedStatement(sql: "PRAGMA quick_check(5)")) }
        } catch let error as DatabaseError where Self.meansDamaged(error) {
            // A page bad enough stops the check itself.
            findings = [error.message ?? "database disk image is malformed"]
        } catch {
            throw StoreError.from(error)
        }
        guard findings != ["ok"] else { return }
        throw Self.damaged(path, findings)
    }

    static func meansDamaged(_ error: DatabaseError) -> Bool {
        [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode)
    }

    static func damaged(_ path: String, _ findings: [String]) -> StoreError {
        .unavailable("\(path) is damaged (\(findings.joined(separator: "; "))); "
            + "restore it from a backup — refusing to start rather than lose data")
    }

    /// Runs `PRAGMA integrity_check`; returns "ok" for a healthy file, else SQLite's findings (the first 10).
    public func integrityCheck() throws(StoreError) -> String {
        try read { db in try String.fetchAll(db.cachedStatement(sql: "PRAGMA integrity_check(10)")).joined(separator: "; ") }
    }

    /// Remembers the result of a periodic check (`name`, e.g. "integrity_check"), so that it runs on schedule across
    /// restarts and `/metrics` can report it.
    public func recordCheck(_ name: String, result: String, seconds: Double, at time: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO maintenance_check (name, checked_at, result, seconds) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET checked_at = excluded.checked_at, result = excluded.result, seconds = excluded.seconds
                """, arguments: [name, time.unix, result, seconds])
        }
    }

    /// The last recorded result of the check `name`, if it ever ran.
    public func lastCheck(_ name: String) throws(StoreError) -> MaintenanceCheck? {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT checked_at, result, seconds FROM maintenance_check WHERE name = ?"), arguments: [name]).map {
                MaintenanceCheck(at: Date(timeIntervalSince1970: $0["checked_at"]), result: $0["result"], seconds: $0["seconds"])
            }
        }
    }
}

/// The outcome of a periodic check of the database.
public struct MaintenanceCheck: Sendable, Equatable {
    /// When it finished.
    public let at: Date
    /// "ok", or what SQLite found.
    public let result: String
    /// How long it took.
    public let seconds: Double
    /// The name the daily `integrity_check`'s result is kept under.
    public static let integrity = "integrity_check"
}

/// Why a store operation failed. Messages never contain secrets.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database could not be opened, read or written (disk full, read-only, corrupt…).
    case unavailable(String)
    /// A uniqueness rule refused the change (e.g. an email already in use).
    case conflict(String)
    /// The object does not exist (or belongs to another workspace).
    case notFound

    public var description: String {
        switch self {
        case .unavailable(let message): "database unavailable: \(message)"
        case .conflict(let message): "conflict: \(message)"
        case .notFound: "not found"
        }
    }

    static func from(_ error: any Error) -> StoreError {
        if let database = error as? DatabaseError, database.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            return .conflict(database.message ?? "already exists")
        }
        return .unavailable(String(describing: error))
    }
}

extension Date {
    /// Unix seconds, how the schema stores time.
    var unix: Double { timeIntervalSince1970 }
    init(unix: Double) { self.init(timeIntervalSince1970: unix) }
}
