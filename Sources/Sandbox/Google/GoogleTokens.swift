import Crypto
import Foundation
import GRDB

/// A stored Google token: an access token (3600 s) or a refresh token (no timer; dies when revoked).
struct GoogleToken: Sendable {
    let value: String
    let isRefresh: Bool
    let userID: String
    let clientID: String
    let scopes: [String]
    let issuedAt: Date
    let expiresAt: Date?
    let revoked: Bool

    func hasScope(_ scope: String) -> Bool { scopes.contains(scope) }
}

/// Issuing, finding and checking tokens.
enum GoogleTokens {
    /// Access tokens live an hour; Google answers `expires_in: 3599`.
    static let accessLifetime: TimeInterval = 3600
    static let dataManagerScope = "https://www.googleapis.com/auth/datamanager"
    static let adwordsScope = "https://www.googleapis.com/auth/adwords"

    static func issue(_ db: Database, refresh: Bool, userID: String, clientID: String, scopes: [String], now: Date) throws -> GoogleToken {
        let value = refresh ? GoogleIDs.refreshToken() : GoogleIDs.accessToken()
        let expiresAt: Date? = refresh ? nil : now.addingTimeInterval(accessLifetime)
        try db.execute(
            sql: "INSERT INTO google_tokens (value, kind, user_id, client_id, scopes, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [value, refresh ? "refresh" : "access", userID, clientID, scopes.joined(separator: " "), now.timeIntervalSince1970,
                        expiresAt?.timeIntervalSince1970])
        return GoogleToken(value: value, isRefresh: refresh, userID: userID, clientID: clientID, scopes: scopes, issuedAt: now,
                           expiresAt: expiresAt, revoked: false)
    }

    static func find(_ db: Database, value: String) throws -> GoogleToken? {
        try Row.fetchOne(db, sql: "SELECT * FROM google_tokens WHERE value = ?", arguments: [value]).map(token(from:))
    }

    static func all(_ db: Database) throws -> [GoogleToken] {
        try Row.fetchAll(db, sql: "SELECT * FROM google_tokens ORDER BY issued_at DESC, kind").map(token(from:))
    }

    /// A usable access token of this app, else 401 `UNAUTHENTICATED` (unknown, refresh token used as access token,
    /// revoked, expired).
    static func usableAccess(_ db: Database, value: String?, clientID: String, now: Date) throws -> GoogleToken {
        guard let value, let token = try find(db, value: value), !token.isRefresh, !token.revoked, token.clientID == clientID,
              let expiresAt = token.expiresAt, expiresAt > now else { throw GoogleStatusError.unauthenticated }
        return token
    }

    /// `BASE64URL(SHA256(verifier))` without padding (RFC 7636 S256).
    static func s256(_ verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// RFC 7636: 43 to 128 characters of `[A-Za-z0-9-._~]`.
    static func isWellFormedVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.count) && verifier.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._~".unicodeScalars.contains($0))
        }
    }

    private static func token(from row: Row) -> GoogleToken {
        let scopes: String = row["scopes"]
        let kind: String = row["kind"]
        let revoked: Int = row["revoked"]
        let expires: Double? = row["expires_at"]
        return GoogleToken(value: row["value"], isRefresh: kind == "refresh", userID: row["user_id"], clientID: row["client_id"],
                           scopes: scopes.split(separator: " ").map(String.init), issuedAt: Date(timeIntervalSince1970: row["issued_at"]),
                           expiresAt: expires.map(Date.init(timeIntervalSince1970:)), revoked: revoked == 1)
    }
}
