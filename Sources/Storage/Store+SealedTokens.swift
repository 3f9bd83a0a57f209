import Core
import Foundation
import GRDB

/// One sealed value as stored, with the context (associated data) it is bound to.
public struct StoredSealedValue: Sendable, Equatable {
    /// The associated data the value was sealed with (e.g. ``Connection/tokenContext(workspaceID:partner:)``).
    public let context: String
    /// The sealed bytes (``TokenBox``).
    public let sealed: [UInt8]
}

/// What ``Store/resealTokens(_:)`` did.
public struct ResealSummary: Sendable, Equatable {
    /// Values replaced by what the closure returned.
    public var resealed = 0
    /// Values the closure declined (returned `nil`, e.g. they open under no known key): left exactly as they were.
    public var leftAsIs = 0

    /// Creates a summary.
    public init(resealed: Int = 0, leftAsIs: Int = 0) {
        self.resealed = resealed; self.leftAsIs = leftAsIs
    }
}

extension Store {
    /// Every sealed value in the database: each connection's access token and, where there is one, its refresh token.
    /// A rotation reads this to know which keys are still in use.
    public func sealedValues() throws(StoreError) -> [StoredSealedValue] {
        try read { db in try Self.sealedRows(db).flatMap(\.values) }
    }

    /// Replaces every sealed value with `reseal(context, sealed)` in ONE transaction, so a key rotation either
    /// re-seals all of them or none. `reseal` runs inside the write transaction: it must be quick and do no I/O
    /// (opening and sealing with AES-GCM is). Returning `nil` leaves that value as it is.
    ///
    /// The sealed columns are listed here and nowhere else: a new sealed column must be added to `sealedRows`.
    public func resealTokens(_ reseal: (_ context: String, _ sealed: [UInt8]) -> [UInt8]?) throws(StoreError) -> ResealSummary {
        try write { db in
            var summary = ResealSummary()
            for row in try Self.sealedRows(db) {
                let token = row.token.flatMap { reseal(row.tokenContext, $0) }
                let refresh = row.refresh.flatMap { reseal(row.refreshContext, $0) }
                summary.count(token, of: row.storedToken)
                summary.count(refresh, of: row.storedRefresh)
                guard token != nil || refresh != nil else { continue }
                // coalesce: a declined value keeps its stored bytes.
                try db.execute(sql: """
                    UPDATE connection SET sealed_token = coalesce(?, sealed_token), sealed_refresh_token = coalesce(?, sealed_refresh_token)
                    WHERE id = ?
                    """, arguments: [token.map { Data($0) }, refresh.map { Data($0) }, row.id])
            }
            return summary
        }
    }

    /// A connection's sealed columns with their contexts.
    private struct SealedRow {
        let id: Int64
        let workspaceID: Int64
        let partner: PartnerID?
        let storedToken: [UInt8]
        let storedRefresh: [UInt8]?
        var tokenContext: String { partner.map { Connection.tokenContext(workspaceID: workspaceID, partner: $0) } ?? "" }
        var refreshContext: String { partner.map { Connection.refreshTokenContext(workspaceID: workspaceID, partner: $0) } ?? "" }
        /// The access token, when its context is known.
        var token: [UInt8]? { partner == nil ? nil : storedToken }
        /// The refresh token, when there is one and its context is known.
        var refresh: [UInt8]? { partner == nil ? nil : storedRefresh }
        var values: [StoredSealedValue] {
            [StoredSealedValue(context: tokenContext, sealed: storedToken)]
                + (storedRefresh.map { [StoredSealedValue(context: refreshContext, sealed: $0)] } ?? [])
        }
    }

    private static func sealedRows(_ db: Database) throws -> [SealedRow] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT id, workspace_id, partner, sealed_token, sealed_refresh_token FROM connection ORDER BY id")).map { row in
            let workspaceID: Int64 = row["workspace_id"]
            // A partner this build does not know has no context to open with: its values are reported, never re-sealed.
            let partner = PartnerID(rawValue: row["partner"])
            let token: Data = row["sealed_token"]
            return SealedRow(id: row["id"], workspaceID: workspaceID, partner: partner, storedToken: Array(token),
                             storedRefresh: (row["sealed_refresh_token"] as Data?).map(Array.init))
        }
    }
}

extension ResealSummary {
    /// Counts one stored value (if any) as re-sealed or left as it is.
    fileprivate mutating func count(_ resealed: [UInt8]?, of stored: [UInt8]?) {
        guard stored != nil else { return }
        if resealed == nil { leftAsIs += 1 } else { self.resealed += 1 }
    }
}
