import Core
import Foundation
import GRDB

/// What to store when a partner connection is made or its token replaced.
public struct NewConnection: Sendable {
    /// The owning workspace.
    public var workspaceID: Int64
    /// Which partner.
    public var partner: PartnerID
    /// OAuth or pasted.
    public var tokenKind: TokenKind
    /// The sealed token (``TokenBox``).
    public var sealedToken: [UInt8]
    /// Expiry, if the token has one.
    public var expiresAt: Date?
    /// The partner-side identity.
    public var partnerUserName: String?
    /// The dashboard user connecting it.
    public var connectedBy: Int64
    /// The sealed refresh token, where the partner issued one.
    public var sealedRefreshToken: [UInt8]?
    /// When the refresh token expires, where known.
    public var refreshExpiresAt: Date?

    /// Creates a value.
    public init(workspaceID: Int64, partner: PartnerID, tokenKind: TokenKind, sealedToken: [UInt8], expiresAt: Date?,
                partnerUserName: String?, connectedBy: Int64, sealedRefreshToken: [UInt8]? = nil, refreshExpiresAt: Date? = nil) {
        self.workspaceID = workspaceID; self.partner = partner; self.tokenKind = tokenKind; self.sealedToken = sealedToken
        self.expiresAt = expiresAt; self.partnerUserName = partnerUserName; self.connectedBy = connectedBy
        self.sealedRefreshToken = sealedRefreshToken; self.refreshExpiresAt = refreshExpiresAt
    }
}

extension Store {
    /// Saves a workspace's connection to a partner, replacing the token of an existing one.
    ///
    /// A reconnect keeps the ad accounts already chosen; the connection is valid again from `now`.
    public func saveConnection(_ new: NewConnection, now: Date) throws(StoreError) -> Connection {
        try write { db in
            try db.execute(sql: """
                INSERT INTO connection (workspace_id, partner, token_kind, sealed_token, expires_at, status, status_message,
                                        partner_user_name, connected_by, connected_at, checked_at, sealed_refresh_token, refresh_expires_at)
                VALUES (?, ?, ?, ?, ?, 'valid', NULL, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (workspace_id, partner) DO UPDATE SET
                    token_kind = excluded.token_kind, sealed_token = excluded.sealed_token, expires_at = excluded.expires_at,
                    status = 'valid', status_message = NULL, partner_user_name = excluded.partner_user_name,
                    connected_by = excluded.connected_by, connected_at = excluded.connected_at, checked_at = excluded.checked_at,
                    sealed_refresh_token = excluded.sealed_refresh_token, refresh_expires_at = excluded.refresh_expires_at
                """, arguments: [new.workspaceID, new.partner.rawValue, new.tokenKind.rawValue, Data(new.sealedToken),
                                 new.expiresAt?.unix, new.partnerUserName, new.connectedBy, now.unix, now.unix,
                                 new.sealedRefreshToken.map { Data($0) }, new.refreshExpiresAt?.unix])
            let connection = try Self.fetchConnection(db, workspaceID: new.workspaceID, partner: new.partner)!
            // A new token resolves the connection's problems, an expiring sign-in included; whoever was told hears it (once).
            _ = try Self.clearAlerts(db, .integration, subjectID: connection.id, now: now, includingExpiry: true)
            return connection
        }
    }

    /// The workspace's connection to `partner`, if any.
    public func connection(workspaceID: Int64, partner: PartnerID) throws(StoreError) -> Connection? {
        try read { db in try Self.fetchConnection(db, workspaceID: workspaceID, partner: partner) }
    }

    /// Every connection of a workspace.
    public func connections(workspaceID: Int64) throws(StoreError) -> [Connection] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM connection WHERE workspace_id = ? ORDER BY partner"), arguments: [workspaceID])
                .compactMap(Self.connection(from:))
        }
    }

    /// Stores the tokens of a refresh: the new access token and, when the partner sent one, the new refresh token
    /// (saved in the same transaction, before anyone uses the new access token, so a crash never leaves only the
    /// spent refresh token behind). Nothing changes when the connection was replaced or removed meanwhile
    /// (`expectedSealedRefresh` no longer matches); returns whether the row was updated.
    public func saveRefreshedTokens(connectionID: Int64, expectedSealedRefresh: [UInt8], sealedToken: [UInt8], expiresAt: Date?,
                                    sealedRefreshToken: [UInt8]?, refreshExpiresAt: Date?, now: Date) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE connection SET sealed_token = ?, expires_at = ?, sealed_refresh_token = coalesce(?, sealed_refresh_token),
                    refresh_expires_at = coalesce(?, refresh_expires_at), status = 'valid', status_message = NULL, checked_at = ?
                WHERE id = ? AND sealed_refresh_token = ?
                """, arguments: [Data(sealedToken), expiresAt?.unix, sealedRefreshToken.map { Data($0) }, refreshExpiresAt?.unix, now.unix,
                                 connectionID, Data(expectedSealedRefresh)])
            let changed = db.changesCount > 0
            if changed { _ = try Self.clearAlerts(db, .integration, subjectID: connectionID, now: now) }
            return changed
        }
    }

    /// Valid connections a person must reconnect before `before`: the refresh token's expiry where there is one, else
    /// the access token's.
    public func connectionsToReconnect(before: Date) throws(StoreError) -> [Connection] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM connection WHERE status = 'valid' AND (
                    (sealed_refresh_token IS NOT NULL AND refresh_expires_at < ?) OR (sealed_refresh_token IS NULL AND expires_at < ?))
                """), arguments: [before.unix, before.unix]).compactMap(Self.connection(from:))
        }
    }

    /// The connection with this id, if any.
    public func connection(id: Int64) throws(StoreError) -> Connection? {
        try read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM connection WHERE id = ?"), arguments: [id]).flatMap(Self.connection(from:)) }
    }

    /// Records the outcome of a health check on a connection's token.
    public func recordConnectionHealth(connectionID: Int64, status: ConnectionStatus, message: String?, expiresAt: Date?,
                                       partnerUserName: String?, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE connection SET status = ?, status_message = ?, expires_at = coalesce(?, expires_at),
                    partner_user_name = coalesce(?, partner_user_name), checked_at = ? WHERE id = ?
                """, arguments: [status.rawValue, message, expiresAt?.unix, partnerUserName, now.unix, connectionID])
            if status == .valid { _ = try Self.clearAlerts(db, .integration, subjectID: connectionID, now: now) }
        }
    }

    /// Deletes a workspace's connection to `partner` with its ad accounts; the token is gone for good.
    /// - Throws: ``StoreError/notFound`` when there is no such connection.
    public func deleteConnection(workspaceID: Int64, partner: PartnerID) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM connection WHERE workspace_id = ? AND partner = ?", arguments: [workspaceID, partner.rawValue])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    /// Makes `accounts` the exact set of ad accounts chosen for the connection, keeping rows that stay chosen.
    public func selectAdAccounts(connectionID: Int64, accounts: [RemoteAdAccount], now: Date) throws(StoreError) {
        try write { db in
            let keep = accounts.map(\.externalID)
            let placeholders = databaseQuestionMarks(count: max(keep.count, 1))
            try db.execute(sql: "DELETE FROM ad_account WHERE connection_id = ? AND external_id NOT IN (\(placeholders))",
                           arguments: StatementArguments([connectionID] + (keep.isEmpty ? [""] : keep)))
            for account in accounts { try Self.upsertAdAccount(db, connectionID: connectionID, account: account, now: now) }
        }
    }

    /// Records fresh partner facts for the chosen accounts; accounts missing from `reachable` become inaccessible.
    public func recordAdAccountHealth(connectionID: Int64, reachable: [RemoteAdAccount], now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE ad_account SET is_accessible = 0, checked_at = ? WHERE connection_id = ?",
                           arguments: [now.unix, connectionID])
            for account in reachable {
                try db.execute(sql: """
                    UPDATE ad_account SET name = ?, currency = ?, terms_accepted = ?, facts = ?, is_accessible = 1, checked_at = ?
                    WHERE connection_id = ? AND external_id = ?
                    """, arguments: [account.name, account.currency, account.termsAccepted, StoredFacts.encode(account.facts), now.unix,
                                     connectionID, account.externalID])
            }
        }
    }

    /// The ad accounts chosen for a connection, by name.
    public func adAccounts(connectionID: Int64) throws(StoreError) -> [SelectedAdAccount] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM ad_account WHERE connection_id = ? ORDER BY name, external_id"), arguments: [connectionID])
                .map(Self.adAccount(from:))
        }
    }

    /// Stops syncing to one ad account of the workspace.
    /// - Throws: ``StoreError/notFound`` when the account is not one of this workspace's.
    public func removeAdAccount(workspaceID: Int64, adAccountID: Int64) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                DELETE FROM ad_account WHERE id = ? AND connection_id IN (SELECT id FROM connection WHERE workspace_id = ?)
                """, arguments: [adAccountID, workspaceID])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    private static func upsertAdAccount(_ db: Database, connectionID: Int64, account: RemoteAdAccount, now: Date) throws {
        try db.execute(sql: """
            INSERT INTO ad_account (connection_id, external_id, name, currency, terms_accepted, facts, is_accessible, checked_at)
            VALUES (?, ?, ?, ?, ?, ?, 1, ?)
            ON CONFLICT (connection_id, external_id) DO UPDATE SET name = excluded.name, currency = excluded.currency,
                terms_accepted = excluded.terms_accepted, facts = excluded.facts, is_accessible = 1, checked_at = excluded.checked_at
            """, arguments: [connectionID, account.externalID, account.name, account.currency, account.termsAccepted,
                             StoredFacts.encode(account.facts), now.unix])
    }

    private static func fetchConnection(_ db: Database, workspaceID: Int64, partner: PartnerID) throws -> Connection? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM connection WHERE workspace_id = ? AND partner = ?"),
                         arguments: [workspaceID, partner.rawValue]).flatMap(connection(from:))
    }

    private static func connection(from row: Row) -> Connection? {
        guard let partner = PartnerID(rawValue: row["partner"]), let kind = TokenKind(rawValue: row["token_kind"]),
              let status = ConnectionStatus(rawValue: row["status"]) else { return nil }
        let sealed: Data = row["sealed_token"]
        return Connection(
            id: row["id"], workspaceID: row["workspace_id"], partner: partner, tokenKind: kind, sealedToken: Array(sealed),
            expiresAt: (row["expires_at"] as Double?).map(Date.init(unix:)), status: status, statusMessage: row["status_message"],
            partnerUserName: row["partner_user_name"], connectedByUserID: row["connected_by"],
            connectedAt: Date(unix: row["connected_at"]), checkedAt: (row["checked_at"] as Double?).map(Date.init(unix:)),
            sealedRefreshToken: (row["sealed_refresh_token"] as Data?).map(Array.init),
            refreshExpiresAt: (row["refresh_expires_at"] as Double?).map(Date.init(unix:)))
    }

    private static func adAccount(from row: Row) -> SelectedAdAccount {
        SelectedAdAccount(
            id: row["id"], connectionID: row["connection_id"], externalID: row["external_id"], name: row["name"],
            currency: row["currency"], termsAccepted: (row["terms_accepted"] as Int64?).map { $0 == 1 },
            isAccessible: (row["is_accessible"] as Int64) == 1, checkedAt: (row["checked_at"] as Double?).map(Date.init(unix:)),
            facts: StoredFacts.decode(row["facts"]))
    }
}

/// An ad account's facts in the `facts` column.
enum StoredFacts {
    static func encode(_ facts: [AccountFact]) -> String {
        (try? JSONEncoder().encode(facts)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    /// Facts that cannot be read (written by a later version, damaged) count as none: the next check writes them again.
    static func decode(_ text: String?) -> [AccountFact] {
        guard let text else { return [] }
        return (try? JSONDecoder().decode([AccountFact].self, from: Data(text.utf8))) ?? []
    }
}
