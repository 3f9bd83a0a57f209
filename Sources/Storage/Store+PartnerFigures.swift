import Core
import Foundation
import GRDB

/// What the partner itself says of a step's audience.
public struct PartnerFigures: Sendable, Equatable {
    /// Rows the partner reported receiving (Facebook's `num_received`), all calls together.
    public let received: Int
    /// Rows it judged invalid (`num_invalid_entries`).
    public let invalid: Int
    /// The audience's estimated size, when known.
    public let sizeLower: Int?
    /// Its upper bound.
    public let sizeUpper: Int?
    /// When the size was read.
    public let sizeCheckedAt: Date?
}

extension Store {
    /// A step's partner figures (zeros before the first call).
    public func partnerFigures(stepID: Int64) throws(StoreError) -> PartnerFigures {
        try read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM step_partner_figures WHERE step_id = ?"), arguments: [stepID]) else {
                return PartnerFigures(received: 0, invalid: 0, sizeLower: nil, sizeUpper: nil, sizeCheckedAt: nil)
            }
            return PartnerFigures(received: row["received"], invalid: row["invalid"], sizeLower: row["size_lower"], sizeUpper: row["size_upper"],
                                  sizeCheckedAt: (row["size_checked_at"] as Double?).map(Date.init(unix:)))
        }
    }

    /// Records the audience size read for a step now (`lower`/`upper` nil when the partner gave none).
    public func recordAudienceSize(stepID: Int64, lower: Int?, upper: Int?, now: Date) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO step_partner_figures (step_id, size_lower, size_upper, size_checked_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (step_id) DO UPDATE SET size_lower = coalesce(excluded.size_lower, size_lower),
                    size_upper = coalesce(excluded.size_upper, size_upper), size_checked_at = excluded.size_checked_at
                """, arguments: [stepID, lower, upper, now.unix])
        }
    }

    /// Audience Sync steps of active canvases whose audience size was last read before `before` (or never).
    public func stepsDueForSizeCheck(before: Date, limit: Int = 20) throws(StoreError) -> [Int64] {
        try read { db in
            try Int64.fetchAll(db.cachedStatement(sql: """
                SELECT s.id FROM canvas_step s JOIN canvas c ON c.id = s.canvas_id
                LEFT JOIN step_partner_figures f ON f.step_id = s.id
                WHERE c.status = 'active' AND s.kind = 'audience_sync' AND coalesce(f.size_checked_at, 0) < ?
                ORDER BY coalesce(f.size_checked_at, 0), s.id LIMIT ?
                """), arguments: [before.unix, limit])
        }
    }
}
