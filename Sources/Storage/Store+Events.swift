import Core
import Foundation
import GRDB

extension Store {
    /// Inserts events and purchases on their profiles, inside the caller's transaction. Every profile must exist
    /// already (`/users/track` upserts one for each external id first): an event that finds no profile fails the
    /// whole transaction rather than vanish after a "success".
    static func insertActivity(_ db: Database, workspaceID: Int64, events: [ProfileEvent], purchases: [ProfilePurchase], now: Date) throws {
        let event = try db.cachedStatement(sql: """
            INSERT INTO profile_event (profile_id, name, time, properties, received_at)
            SELECT id, ?, ?, ?, ? FROM profile WHERE workspace_id = ? AND external_id = ?
            """)
        for item in events {
            try event.execute(arguments: [item.name, item.time.unix, item.propertiesJSON, now.unix, workspaceID, item.externalID])
            guard db.changesCount == 1 else { throw StoreError.unavailable("no profile for an event of \(item.externalID)") }
        }
        let purchase = try db.cachedStatement(sql: """
            INSERT INTO profile_purchase (profile_id, product_id, price, currency, quantity, time, properties, received_at)
            SELECT id, ?, ?, ?, ?, ?, ?, ? FROM profile WHERE workspace_id = ? AND external_id = ?
            """)
        for item in purchases {
            try purchase.execute(arguments: [item.productID, item.price, item.currency, item.quantity, item.time.unix, item.propertiesJSON,
                                             now.unix, workspaceID, item.externalID])
            guard db.changesCount == 1 else { throw StoreError.unavailable("no profile for a purchase of \(item.externalID)") }
        }
    }

    /// A profile's events, oldest first.
    public func events(workspaceID: Int64, externalID: String) throws(StoreError) -> [ProfileEvent] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT e.name, e.time, e.properties FROM profile_event e JOIN profile p ON p.id = e.profile_id
                WHERE p.workspace_id = ? AND p.external_id = ? ORDER BY e.time, e.id
                """), arguments: [workspaceID, externalID])
                .map { ProfileEvent(externalID: externalID, name: $0["name"], time: Date(unix: $0["time"]), propertiesJSON: $0["properties"]) }
        }
    }

    /// A profile's purchases, oldest first.
    public func purchases(workspaceID: Int64, externalID: String) throws(StoreError) -> [ProfilePurchase] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT b.product_id, b.price, b.currency, b.quantity, b.time, b.properties FROM profile_purchase b
                JOIN profile p ON p.id = b.profile_id WHERE p.workspace_id = ? AND p.external_id = ? ORDER BY b.time, b.id
                """), arguments: [workspaceID, externalID])
                .map { ProfilePurchase(externalID: externalID, productID: $0["product_id"], price: $0["price"], currency: $0["currency"],
                                       quantity: $0["quantity"], time: Date(unix: $0["time"]), propertiesJSON: $0["properties"]) }
        }
    }
}

extension Store {
    /// The activity filters' view of `externalIDs`' events and purchases since `days` before `now`, by external id
    /// (every id present, an unknown one with no activity): two queries for all the users of a request.
    public func activityFacts(workspaceID: Int64, externalIDs: [String], days: Int, now: Date) throws(StoreError) -> [String: ActivityFacts] {
        try read { db in try Self.activityFacts(db, workspaceID: workspaceID, externalIDs: externalIDs, days: days, now: now) }
    }

    /// `activityFacts` inside the caller's transaction.
    static func activityFacts(_ db: Database, workspaceID: Int64, externalIDs: [String], days: Int, now: Date) throws -> [String: ActivityFacts] {
        var facts = Dictionary(externalIDs.map { ($0, ActivityFacts(now: now)) }, uniquingKeysWith: { first, _ in first })
        guard !externalIDs.isEmpty else { return facts }
        let ids = JSONText.stringArray(externalIDs)
        let since = now.unix - Double(days) * 86_400
        let events = try Row.fetchCursor(db, sql: """
            SELECT p.external_id, e.name, e.time FROM profile p JOIN profile_event e ON e.profile_id = p.id
            WHERE p.workspace_id = ? AND p.external_id IN (SELECT value FROM json_each(?)) AND e.time >= ?
            """, arguments: [workspaceID, ids, since])
        while let row = try events.next() {
            facts[row["external_id"], default: ActivityFacts(now: now)].events.append(.init(name: row["name"], time: row["time"]))
        }
        let purchases = try Row.fetchCursor(db, sql: """
            SELECT p.external_id, b.product_id, b.time FROM profile p JOIN profile_purchase b ON b.profile_id = p.id
            WHERE p.workspace_id = ? AND p.external_id IN (SELECT value FROM json_each(?)) AND b.time >= ?
            """, arguments: [workspaceID, ids, since])
        while let row = try purchases.next() {
            facts[row["external_id"], default: ActivityFacts(now: now)].purchases.append(.init(productID: row["product_id"], time: row["time"]))
        }
        return facts
    }
}
