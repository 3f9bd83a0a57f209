import Core
import Foundation
import GRDB

/// A stored session with its user.
public struct SessionRecord: Sendable, Equatable {
    /// SHA-256 of the cookie value (the cookie itself is never stored).
    public let idHash: String
    /// The signed-in user.
    public let user: DashboardUser
    /// The synchronizer token every state-changing form must carry.
    public let csrfToken: String
    /// When the session started.
    public let createdAt: Date
    /// The last request recorded in the database.
    public let lastSeenAt: Date
}

/// A stored OAuth `state`, as it was issued.
public struct OAuthStateRecord: Sendable, Equatable {
    /// The session that started the flow.
    public let sessionHash: String
    /// The partner the flow was started for.
    public let partner: String
    /// When it was issued.
    public let createdAt: Date
}

extension Store {
    /// Starts a session for `userID`, ending `previousHash` if given (the id is rotated at sign-in).
    public func startSession(idHash: String, userID: Int64, csrfToken: String, replacing previousHash: String?, now: Date) throws(StoreError) {
        try write { db in
            if let previousHash { try db.execute(sql: "DELETE FROM session WHERE id_hash = ?", arguments: [previousHash]) }
            try db.execute(sql: "INSERT INTO session (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [idHash, userID, csrfToken, now.unix, now.unix])
        }
    }

    /// The session with this id hash and its user, if it exists (expiry is the caller's policy).
    public func session(idHash: String) throws(StoreError) -> SessionRecord? {
        try read { db in
            let sql = """
                SELECT s.id_hash, s.csrf_token, s.created_at, s.last_seen_at, u.*
                FROM session s JOIN dashboard_user u ON u.id = s.user_id WHERE s.id_hash = ?
                """
            return try Row.fetchOne(db.cachedStatement(sql: sql), arguments: [idHash]).map { row in
                SessionRecord(idHash: row["id_hash"], user: Self.user(from: row), csrfToken: row["csrf_token"],
                              createdAt: Date(unix: row["created_at"]), lastSeenAt: Date(unix: row["last_seen_at"]))
            }
        }
    }

    /// Records activity on a session (called on state-changing requests only, so GETs never write).
    public func touchSession(idHash: String, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE session SET last_seen_at = max(last_seen_at, ?) WHERE id_hash = ?", arguments: [now.unix, idHash])
        }
    }

    /// Ends a session (sign-out, or expiry noticed).
    public func endSession(idHash: String) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM session WHERE id_hash = ?", arguments: [idHash]) }
    }

    /// Deletes sessions idle since before `idleBefore` or created before `createdBefore`, and expired OAuth states.
    public func pruneSessions(idleBefore: Date, createdBefore: Date, statesBefore: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM session WHERE last_seen_at < ? OR created_at < ?", arguments: [idleBefore.unix, createdBefore.unix])
            try db.execute(sql: "DELETE FROM oauth_state WHERE created_at < ?", arguments: [statesBefore.unix])
        }
    }

    /// Records one failed sign-in for `account` (normalized email) from `address`.
    public func recordSignInFailure(account: String, address: String, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT INTO sign_in_failure (account, address, at) VALUES (?, ?, ?)", arguments: [account, address, now.unix])
        }
    }

    /// Failures since `since` for the account and for the address.
    public func signInFailures(account: String, address: String, since: Date) throws(StoreError) -> (account: Int, address: Int) {
        try read { db in
            let byAccount = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM sign_in_failure WHERE account = ? AND at >= ?"),
                                             arguments: [account, since.unix]) ?? 0
            let byAddress = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM sign_in_failure WHERE address = ? AND at >= ?"),
                                             arguments: [address, since.unix]) ?? 0
            return (byAccount, byAddress)
        }
    }

    /// Forgets every failure older than `before` (outside the counting window).
    ///
    /// A successful sign-in does not erase the account's recent failures: otherwise each sign-in of the real owner
    /// would hand a guesser a fresh allowance, and the per-account cap (reliability.md A-6) would not hold.
    public func pruneSignInFailures(before: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM sign_in_failure WHERE at < ?", arguments: [before.unix])
        }
    }

    /// Stores an OAuth state digest bound to the session and partner.
    public func saveOAuthState(stateHash: String, sessionHash: String, partner: PartnerID, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT INTO oauth_state (state_hash, session_hash, partner, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [stateHash, sessionHash, partner.rawValue, now.unix])
        }
    }

    /// Removes and returns the state with this digest: a state can be taken once only, whatever happens next.
    public func takeOAuthState(stateHash: String) throws(StoreError) -> OAuthStateRecord? {
        try write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM oauth_state WHERE state_hash = ?"), arguments: [stateHash]) else {
                return nil
            }
            try db.execute(sql: "DELETE FROM oauth_state WHERE state_hash = ?", arguments: [stateHash])
            return OAuthStateRecord(sessionHash: row["session_hash"], partner: row["partner"], createdAt: Date(unix: row["created_at"]))
        }
    }
}
