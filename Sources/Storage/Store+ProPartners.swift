import Core
import Foundation
import GRDB

extension Store {
    /// The Pro partners enabled for the installation.
    public func enabledProPartners() throws(StoreError) -> Set<PartnerID> {
        try read { db in Set(try String.fetchAll(db.cachedStatement(sql: "SELECT partner FROM pro_partner")).compactMap(PartnerID.init(rawValue:))) }
    }

    /// Partners some workspace of the installation is connected to.
    public func connectedPartners() throws(StoreError) -> Set<PartnerID> {
        try read { db in Set(try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT partner FROM connection")).compactMap(PartnerID.init(rawValue:))) }
    }

    /// Makes `partners` the enabled Pro partners (the caller checked the allotment), keeping when each was enabled.
    public func setEnabledProPartners(_ partners: Set<PartnerID>, by userID: Int64, now: Date) throws(StoreError) {
        try write { db in
            let chosen = partners.map(\.rawValue).sorted()
            try db.execute(sql: "DELETE FROM pro_partner WHERE partner NOT IN (SELECT value FROM json_each(?))",
                           arguments: [JSONText.stringArray(chosen)])
            for partner in chosen {
                try db.execute(sql: "INSERT OR IGNORE INTO pro_partner (partner, enabled_by, enabled_at) VALUES (?, ?, ?)",
                               arguments: [partner, userID, now.unix])
            }
        }
    }
}
