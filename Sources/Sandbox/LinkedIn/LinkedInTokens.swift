import Foundation
import GRDB

/// A stored access or refresh token.
struct LinkedInToken: Sendable {
    let value: String
    let kind: String
    let memberID: String
    let clientID: String
    let scopes: [String]
    let issuedAt: Date
    let expiresAt: Date
    let revoked: Bool
}

/// Issuing and checking tokens (partners.md §7.1): access tokens live 60 days, refresh tokens a year from the
/// first grant, and refreshing does not move that end.
enum LinkedInTokens {
    static let accessLifetime: TimeInterval = 60 * 86_400
    static let refreshLifetime: TimeInterval = 365 * 86_400

    static func issue(_ db: Database, kind: String, memberID: String, clientID: String, scopes: [String], now: Date,
                      expiresAt: Date) throws -> LinkedInToken {
        let value = kind == "access" ? LinkedInIDs.accessToken() : LinkedInIDs.refreshToken()
        try db.execute(sql: """
            INSERT INTO li_tokens (value, kind, member_id, client_id, scopes, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [value, kind, memberID, clientID, scopes.joined(separator: ","), now.timeIntervalSince1970,
                             expiresAt.timeIntervalSince1970])
        return LinkedInToken(value: value, kind: kind, memberID: memberID, clientID: clientID, scopes: scopes, issuedAt: now,
                             expiresAt: expiresAt, revoked: false)
    }

    static func find(_ db: Database, value: String, kind: String) throws -> LinkedInToken? {
        try Row.fetchOne(db, sql: "SELECT * FROM li_tokens WHERE value = ? AND kind = ?", arguments: [value, kind]).map(token(from:))
    }

    static func all(_ db: Database) throws -> [LinkedInToken] {
        try Row.fetchAll(db, sql: "SELECT * FROM li_tokens ORDER BY issued_at DESC, kind").map(token(from:))
    }

    /// The access token of a request, or the 401 LinkedIn answers.
    static func usable(_ db: Database, value: String?, now: Date) throws -> LinkedInToken {
        guard let value, let token = try find(db, value: value, kind: "access") else { throw LinkedInError.tokenMissing }
        if token.revoked { throw LinkedInError.tokenRevoked }
        if token.expiresAt <= now { throw LinkedInError.tokenExpired }
        return token
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    private static func token(from row: Row) -> LinkedInToken {
        let scopes: String = row["scopes"]
        let revoked: Int = row["revoked"]
        return LinkedInToken(value: row["value"], kind: row["kind"], memberID: row["member_id"], clientID: row["client_id"],
                             scopes: scopes.split(separator: ",").map(String.init),
                             issuedAt: Date(timeIntervalSince1970: row["issued_at"]),
                             expiresAt: Date(timeIntervalSince1970: row["expires_at"]), revoked: revoked == 1)
    }
}
