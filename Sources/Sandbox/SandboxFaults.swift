import Foundation
import GRDB

/// An injected failure, set with `POST /_sandbox/faults`, matched against partner requests.
struct FaultRule: Sendable {
    let id: Int
    let partner: String
    let pathContains: String
    /// Only requests whose body holds this text (a marker row, to emulate a batch refused for one bad row).
    let bodyContains: String
    let method: String?
    let share: Double
    let maxCount: Int?
    let status: Int?
    let error: JSON?
    let rawBody: String?
    let contentType: String?
    let latencyMilliseconds: Int
    let retryAfter: Int?

    /// A rule that only delays the request and then lets it through.
    var isLatencyOnly: Bool { status == nil && error == nil && rawBody == nil && latencyMilliseconds > 0 }

    /// The HTTP status of an injected answer.
    var effectiveStatus: Int { status ?? 500 }
}

/// Fault rules: creation from knob JSON, and the deterministic decision for each request.
enum SandboxFaults {
    /// Validates a `POST /_sandbox/faults` body and stores the rule; returns its id.
    static func create(_ body: JSON, partners: [String], store: SandboxStore) throws(KnobError) -> Int {
        guard let partner = body["partner"]?.stringValue, partners.contains(partner) else {
            throw KnobError(field: "partner", message: "must be one of: \(partners.joined(separator: ", "))")
        }
        let pathContains = try optionalString(body, "path_contains") ?? ""
        let bodyContains = try optionalString(body, "body_contains") ?? ""
        let method = try optionalString(body, "method")?.uppercased()
        if let method, !["GET", "POST", "DELETE", "PUT", "PATCH"].contains(method) {
            throw KnobError(field: "method", message: "must be GET, POST, DELETE, PUT or PATCH")
        }
        var share = 1.0
        if let value = body["share"], value != .null {
            guard let d = value.doubleValue, d >= 0, d <= 1 else { throw KnobError(field: "share", message: "must be a number from 0 to 1") }
            share = d
        }
        let count = try optionalInt(body, "count", range: 0...Int(Int32.max))
        let status = try optionalInt(body, "status", range: 100...599)
        var error: JSON?
        if let value = body["error"], value != .null {
            guard value.isObject else { throw KnobError(field: "error", message: "must be an object") }
            error = value
        }
        let rawBody = try optionalString(body, "raw_body")
        let contentType = try optionalString(body, "content_type")
        let latency = try optionalInt(body, "latency_ms", range: 0...120_000) ?? 0
        let retryAfter = try optionalInt(body, "retry_after", range: 0...86_400)
        do {
            return try store.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO sandbox_faults (partner, path_contains, body_contains, method, share, max_count, status, error_json,
                            raw_body, content_type, latency_ms, retry_after)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [partner, pathContains, bodyContains, method, share, count, status, error?.serialized, rawBody, contentType, latency, retryAfter])
                return Int(db.lastInsertedRowID)
            }
        } catch {
            throw KnobError(field: "", message: "could not store the fault: \(error)")
        }
    }

    /// Decides whether this request gets a fault, counting it against every matching rule.
    ///
    /// A rule with share `s` injects on its n-th matching request (0-based) when
    /// `floor((n+1)·s) > floor(n·s)`: share 0.5 hits requests 1, 3, 5, … — exactly half, repeatably, whatever
    /// the thread interleaving, because the counter moves inside one IMMEDIATE transaction.
    static func decide(partner: String, method: String, path: String, body: String, store: SandboxStore) throws -> FaultRule? {
        // Most requests run with no fault at all: skip the write transaction then.
        let any = try store.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM sandbox_faults WHERE partner = ? LIMIT 1", arguments: [partner]) ?? false
        }
        guard any else { return nil }
        return try store.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM sandbox_faults WHERE partner = ? ORDER BY id", arguments: [partner])
            var chosen: FaultRule?
            for row in rows {
                let rule = rule(from: row)
                guard rule.pathContains.isEmpty || path.contains(rule.pathContains) else { continue }
                guard rule.bodyContains.isEmpty || body.contains(rule.bodyContains) else { continue }
                guard rule.method == nil || rule.method == method else { continue }
                let seen: Int = row["seen"]
                let injected: Int = row["injected"]
                let hits = floor(Double(seen + 1) * rule.share) > floor(Double(seen) * rule.share)
                let underCap = rule.maxCount.map { injected < $0 } ?? true
                var inject = false
                if chosen == nil, hits, underCap {
                    chosen = rule
                    inject = true
                }
                try db.execute(sql: "UPDATE sandbox_faults SET seen = seen + 1, injected = injected + ? WHERE id = ?",
                               arguments: [inject ? 1 : 0, rule.id])
            }
            return chosen
        }
    }

    /// Every rule with its counters, for `GET /_sandbox/faults`.
    static func list(store: SandboxStore) throws -> JSON {
        try store.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM sandbox_faults ORDER BY id")
            return .array(rows.map { row in
                let r = rule(from: row)
                let seen: Int = row["seen"]
                let injected: Int = row["injected"]
                return .object([
                    ("id", .int(r.id)), ("partner", .string(r.partner)), ("path_contains", .string(r.pathContains)), ("body_contains", .string(r.bodyContains)),
                    ("method", r.method.map(JSON.string) ?? .null), ("share", .double(r.share)),
                    ("count", r.maxCount.map(JSON.int) ?? .null), ("status", r.status.map(JSON.int) ?? .null),
                    ("latency_ms", .int(r.latencyMilliseconds)), ("retry_after", r.retryAfter.map(JSON.int) ?? .null),
                    ("error", r.error ?? .null), ("seen", .int(seen)), ("injected", .int(injected)),
                ])
            })
        }
    }

    /// Removes every rule (or one partner's).
    static func clear(partner: String?, store: SandboxStore) throws -> Int {
        try store.write { db in
            if let partner {
                try db.execute(sql: "DELETE FROM sandbox_faults WHERE partner = ?", arguments: [partner])
            } else {
                try db.execute(sql: "DELETE FROM sandbox_faults")
            }
            return db.changesCount
        }
    }

    private static func rule(from row: Row) -> FaultRule {
        let errorText: String? = row["error_json"]
        return FaultRule(
            id: row["id"], partner: row["partner"], pathContains: row["path_contains"], bodyContains: row["body_contains"], method: row["method"],
            share: row["share"], maxCount: row["max_count"], status: row["status"],
            error: errorText.flatMap { JSON.parse($0) }, rawBody: row["raw_body"], contentType: row["content_type"],
            latencyMilliseconds: row["latency_ms"], retryAfter: row["retry_after"])
    }

    private static func optionalString(_ body: JSON, _ field: String) throws(KnobError) -> String? {
        guard let value = body[field], value != .null else { return nil }
        guard let s = value.stringValue else { throw KnobError(field: field, message: "must be a string") }
        return s
    }

    private static func optionalInt(_ body: JSON, _ field: String, range: ClosedRange<Int>) throws(KnobError) -> Int? {
        guard let value = body[field], value != .null else { return nil }
        guard let i = value.intValue, range.contains(i) else {
            throw KnobError(field: field, message: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return i
    }
}
