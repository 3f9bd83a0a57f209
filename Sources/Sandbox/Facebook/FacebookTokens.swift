import Crypto
import Foundation
import GRDB

/// A stored access token.
struct FacebookToken: Sendable {
    enum Kind: String, Sendable {
        /// A user token from the code exchange; lives 5,400 s.
        case short
        /// A user token from `fb_exchange_token`; lives 5,183,944 s (about 60 days).
        case long
        /// A Business Manager system-user token; never expires.
        case systemUser = "system_user"
    }

    let value: String
    let kind: Kind
    let userID: String
    let userName: String
    let appID: String
    let scopes: [String]
    let issuedAt: Date
    let expiresAt: Date?
    let revoked: Bool

    /// `USER` or `SYSTEM_USER`, as `debug_token` says.
    var debugType: String { kind == .systemUser ? "SYSTEM_USER" : "USER" }

    func hasScope(_ scope: String) -> Bool { scopes.contains(scope) }
}

/// Issuing, finding and checking tokens, and the appsecret_proof rule.
enum FacebookTokens {
    static let shortLifetime: TimeInterval = 5400
    static let longLifetime: TimeInterval = 5_183_944
    /// Graph's `data_access_expires_at` for user tokens: 90 days after issue.
    static let dataAccessLifetime: TimeInterval = 90 * 86_400

    /// Creates and stores a new token.
    static func issue(_ db: Database, kind: FacebookToken.Kind, userID: String, appID: String, scopes: [String], now: Date) throws -> FacebookToken {
        let value = FacebookIDs.accessToken()
        let expiresAt: Date? = switch kind {
        case .short: now.addingTimeInterval(shortLifetime)
        case .long: now.addingTimeInterval(longLifetime)
        case .systemUser: nil
        }
        try db.execute(
            sql: "INSERT INTO fb_tokens (value, kind, user_id, app_id, scopes, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [value, kind.rawValue, userID, appID, scopes.joined(separator: ","), now.timeIntervalSince1970,
                        expiresAt?.timeIntervalSince1970])
        let name = try String.fetchOne(db, sql: "SELECT name FROM fb_users WHERE id = ?", arguments: [userID]) ?? ""
        return FacebookToken(value: value, kind: kind, userID: userID, userName: name, appID: appID, scopes: scopes,
                             issuedAt: now, expiresAt: expiresAt, revoked: false)
    }

    /// The stored token with this value, whatever its state.
    static func find(_ db: Database, value: String) throws -> FacebookToken? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT t.*, u.name AS user_name FROM fb_tokens t JOIN fb_users u ON u.id = t.user_id WHERE t.value = ?
            """, arguments: [value]) else { return nil }
        return token(from: row)
    }

    /// Every token, newest first (for the state knob).
    static func all(_ db: Database) throws -> [FacebookToken] {
        try Row.fetchAll(db, sql: "SELECT t.*, u.name AS user_name FROM fb_tokens t JOIN fb_users u ON u.id = t.user_id ORDER BY t.issued_at DESC")
            .map(token(from:))
    }

    /// Why a token cannot be used now, as Graph words it; nil when it is usable.
    static func problem(_ token: FacebookToken, now: Date) -> GraphError? {
        if token.revoked { return .tokenRevoked }
        if let expiresAt = token.expiresAt, expiresAt <= now { return .tokenExpired(expiredAt: expiresAt, now: now) }
        return nil
    }

    /// Finds a token and checks it is usable: unknown → 190, revoked → 190/460, expired → 190/463.
    static func usable(_ db: Database, value: String, now: Date) throws -> FacebookToken {
        guard let token = try find(db, value: value) else { throw GraphError.tokenUnparsable }
        if let problem = problem(token, now: now) { throw problem }
        return token
    }

    /// `appsecret_proof`: lower-hex HMAC-SHA256 of the access token, keyed with the app secret.
    static func appSecretProof(token: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two strings in time that does not depend on where they first differ.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    private static func token(from row: Row) -> FacebookToken {
        let scopes: String = row["scopes"]
        let expires: Double? = row["expires_at"]
        let revoked: Int = row["revoked"]
        let kind: String = row["kind"]
        return FacebookToken(
            value: row["value"], kind: FacebookToken.Kind(rawValue: kind) ?? .short, userID: row["user_id"],
            userName: row["user_name"], appID: row["app_id"],
            scopes: scopes.split(separator: ",").map(String.init), issuedAt: Date(timeIntervalSince1970: row["issued_at"]),
            expiresAt: expires.map(Date.init(timeIntervalSince1970:)), revoked: revoked == 1)
    }
}
