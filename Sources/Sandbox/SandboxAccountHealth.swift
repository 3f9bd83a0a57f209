import FastCGI
import GRDB

/// `POST /_sandbox/accounts/health` `{"partner","account","value"}`: sets the one fact each partner's emulator keeps
/// about an ad account's usability — its status, or the demo user's role or permissions on it — as if changed at the
/// partner. Values are the partner's own (`STATUS_DISABLE`, `CANCELED`, `VIEWER`, `ANALYST`…); the table's CHECK
/// refuses any other.
enum SandboxAccountHealth {
    /// Where each partner keeps the fact: table, column, and the column naming the account.
    static let columns: [String: (table: String, column: String, key: String)] = [
        "facebook": ("fb_ad_accounts", "account_status", "id"),
        "tiktok": ("tt_advertisers", "status", "id"),
        "google": ("google_customers", "status", "id"),
        "snapchat": ("snap_ad_accounts", "status", "id"),
        "pinterest": ("pin_ad_accounts", "permissions", "id"),
        "criteo": ("criteo_advertisers", "status", "id"),
        "linkedin": ("li_account_users", "role", "account_id"),
    ]

    static let path = "/_sandbox/accounts/health"

    static func set(_ request: Request, context: SandboxContext) throws -> JSON {
        let body = try Knob.body(request)
        guard let partner = body["partner"]?.stringValue, let place = columns[partner] else {
            throw KnobError(field: "partner", message: "must be one of: \(columns.keys.sorted().joined(separator: ", "))")
        }
        guard let given = body["account"]?.stringValue, !given.isEmpty else { throw KnobError(field: "account", message: "is required") }
        guard let value = body["value"]?.stringValue, !value.isEmpty else { throw KnobError(field: "value", message: "is required") }
        // Graph's ids carry `act_`; the table keeps the number.
        let account = partner == "facebook" && given.hasPrefix("act_") ? String(given.dropFirst(4)) : given
        let changed: Int
        do {
            changed = try context.store.write { db in
                try db.execute(sql: "UPDATE \(place.table) SET \(place.column) = ? WHERE \(place.key) = ?", arguments: [value, account])
                return db.changesCount
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw KnobError(field: "value", message: "\(value) is not a value \(partner) uses for \(place.column)")
        }
        guard changed > 0 else { throw KnobError(field: "account", message: "no \(partner) account \(given)") }
        return .object([("partner", .string(partner)), ("account", .string(given)), (place.column, .string(value))])
    }
}
