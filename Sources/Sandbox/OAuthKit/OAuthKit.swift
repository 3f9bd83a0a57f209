import FastCGI
import Foundation
import GRDB

/// The OAuth 2.0 authorization-code flow the Snapchat, Criteo and Pinterest emulators share: a consent page
/// (approve `id="allow"`, cancel `id="deny"`), a token endpoint (code exchange and refresh grant), bearer-token
/// checks for API calls, and the token knobs. Each partner supplies its own tables' prefix, lifetimes, scopes,
/// templates and error wording through ``OAuthKit/Settings``; the tables are its own (`<prefix>_codes`, `<prefix>_tokens`).
struct OAuthKit: Sendable {
    /// How client credentials reach the token endpoint.
    enum ClientAuth: Sendable {
        /// `client_id` and `client_secret` in the form body.
        case body
        /// HTTP Basic (`client_id:client_secret`), Pinterest's way.
        case basic
        /// Either (Snap: "some clients use Basic auth instead").
        case either
    }

    /// One partner's flavour of the flow.
    struct Settings: Sendable {
        /// Table prefix and partner name, e.g. `snap`.
        let prefix: String
        /// Consent and error templates (`snapchat-consent`, `snapchat-error`).
        let consentTemplate: String
        let errorTemplate: String
        /// The brand shown on the consent page.
        let brand: String
        /// The seeded person who consents.
        let userID: String
        let userName: String
        /// Scope name → the consent page's words. An empty dictionary accepts any scope.
        let scopes: [String: String]
        /// Scopes required in the request (Snap: `snapchat-marketing-api`); empty when none is.
        let requiredScopes: [String]
        /// Splits the `scope` parameter (comma for Pinterest, space for Snap).
        let scopeSeparators: Set<Character>
        let accessLifetime: TimeInterval
        /// Refresh-token lifetime; nil = no expiry.
        let refreshLifetime: TimeInterval?
        /// Whether a refresh grant issues a new refresh token and retires the old one.
        let rotatesRefreshToken: Bool
        let clientAuth: ClientAuth
        /// Prefix of issued access tokens, for recognisable shapes.
        let tokenPrefix: String
        /// Extra members of a token answer (Pinterest's `refresh_token_expires_at`…), given the refresh token's expiry.
        var extraAnswer: @Sendable (_ refreshExpiresAt: Date?, _ now: Date) -> [(String, JSON)] = { _, _ in [] }
        /// The token endpoint's error body; RFC 6749 §5.2 `{"error","error_description"}` unless the partner differs.
        var errorBody: @Sendable (_ error: String, _ description: String) -> JSON = { error, description in
            .object([("error", .string(error)), ("error_description", .string(description))])
        }
    }

    let settings: Settings

    /// Authorization codes live ten minutes and are single-use (RFC 6749 §4.1.2).
    static let codeLifetime: TimeInterval = 600

    /// The two tables, named after the partner.
    func registerMigrations(_ migrator: inout DatabaseMigrator) {
        let p = settings.prefix
        migrator.registerMigration("\(p)-oauth-v1") { db in
            try db.execute(sql: """
                CREATE TABLE \(p)_codes (
                    code TEXT PRIMARY KEY NOT NULL,
                    client_id TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL CHECK (expires_at > created_at),
                    used_at REAL
                ) WITHOUT ROWID;
                CREATE TABLE \(p)_tokens (
                    value TEXT PRIMARY KEY NOT NULL CHECK (length(value) >= 32),
                    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
                    client_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    issued_at REAL NOT NULL,
                    expires_at REAL,
                    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
                    CHECK (kind = 'refresh' OR expires_at IS NOT NULL)
                ) WITHOUT ROWID;
                """)
        }
    }

    /// Empties both tables (reset).
    func deleteAll(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM \(settings.prefix)_codes")
        try db.execute(sql: "DELETE FROM \(settings.prefix)_tokens")
    }

    /// `count` characters from the base62 alphabet, from the system's cryptographic generator.
    static func random(_ count: Int) -> String { FacebookIDs.random(count) }
}

/// Why a bearer token was refused; each partner words it in its own envelope.
enum OAuthKitRefusal: Error, Sendable {
    case missing, unknown, revoked, expired
}

/// A token that passed the checks.
struct OAuthKitToken: Sendable {
    let value: String
    let clientID: String
    let scopes: [String]
    let expiresAt: Date?
}

extension OAuthKit {
    /// The `Authorization: Bearer` token of a request, checked: present, known, an access token of this app,
    /// not revoked, not expired.
    func authenticate(_ request: Request, _ db: Database, app: SandboxApp, now: Date) throws(OAuthKitRefusal) -> OAuthKitToken {
        guard let header = request.header("authorization") else { throw .missing }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .missing }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        guard let row = try? Row.fetchOne(db, sql: "SELECT * FROM \(settings.prefix)_tokens WHERE value = ? AND kind = 'access'", arguments: [value]),
              (row["client_id"] as String) == app.clientID else { throw .unknown }
        if (row["revoked"] as Int) == 1 { throw .revoked }
        let expires: Double? = row["expires_at"]
        if let expires, expires <= now.timeIntervalSince1970 { throw .expired }
        let scopes: String = row["scopes"]
        return OAuthKitToken(value: value, clientID: app.clientID, scopes: scopes.split(separator: " ").map(String.init),
                             expiresAt: expires.map(Date.init(timeIntervalSince1970:)))
    }

    /// Every token, newest first, for the state knob (values included: it is an emulator).
    func tokensJSON(_ db: Database, now: Date) throws -> JSON {
        .array(try Row.fetchAll(db, sql: "SELECT * FROM \(settings.prefix)_tokens ORDER BY issued_at DESC, kind").map { row in
            let expires: Double? = row["expires_at"]
            let revoked: Int = row["revoked"]
            return .object([
                ("value", .string(row["value"])), ("kind", .string(row["kind"])), ("scopes", .string(row["scopes"])),
                ("issued_at", .double(row["issued_at"])), ("expires_at", expires.map(JSON.double) ?? .null),
                ("expired", .bool(expires.map { $0 <= now.timeIntervalSince1970 } ?? false)), ("revoked", .bool(revoked == 1)),
            ])
        })
    }

    /// `POST tokens/revoke` (`{"token":"…"}` or `{"all":true}`, access and refresh alike) and `POST tokens/expire`
    /// (every access token expires now, so the next call needs a refresh); nil for other paths.
    func handleTokenKnob(_ request: Request, parts: [String], context: SandboxContext) throws -> Response? {
        let table = "\(settings.prefix)_tokens"
        switch (request.method, parts) {
        case ("POST", ["tokens", "revoke"]):
            let body = try Knob.body(request)
            if body["all"]?.boolValue == true {
                let count = try context.store.write { db in
                    try db.execute(sql: "UPDATE \(table) SET revoked = 1 WHERE revoked = 0")
                    return db.changesCount
                }
                return Knob.ok(.object([("revoked", .int(count))]))
            }
            guard let token = body["token"]?.stringValue, !token.isEmpty else { throw KnobError(field: "token", message: "give a token, or all: true") }
            let count = try context.store.write { db in
                try db.execute(sql: "UPDATE \(table) SET revoked = 1 WHERE value = ?", arguments: [token])
                return db.changesCount
            }
            guard count == 1 else { throw KnobError(field: "token", message: "no such token") }
            return Knob.ok(.object([("revoked", .int(1))]))
        case ("POST", ["tokens", "expire"]):
            let count = try context.store.write { db in
                let now = try context.store.now(db).timeIntervalSince1970
                try db.execute(sql: "UPDATE \(table) SET expires_at = ? WHERE kind = 'access' AND expires_at > ?", arguments: [now - 1, now - 1])
                return db.changesCount
            }
            return Knob.ok(.object([("expired", .int(count))]))
        default:
            return nil
        }
    }
}
