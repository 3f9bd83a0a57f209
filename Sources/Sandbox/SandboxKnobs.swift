import FastCGI
import Foundation
import GRDB

/// The inspection and control API under `/_sandbox`: JSON in, JSON out, no auth (it is an emulator).
/// Shared knobs live here; `/_sandbox/<partner>/…` goes to that partner.
enum SandboxKnobs {
    /// The knobs listed on the home page.
    static let catalog: [(method: String, path: String, what: String)] = [
        ("GET", "/_sandbox/facebook/state", "Ad accounts, audiences, tokens and settings of the Facebook emulator"),
        ("GET", "/_sandbox/facebook/audiences/{id}", "One audience with its members and counters"),
        ("GET", "/_sandbox/requests?partner=facebook&since={seq}", "The request log, oldest first"),
        ("POST", "/_sandbox/reset", "Everything back to the seed state"),
        ("POST", "/_sandbox/facebook/tokens/revoke", "{\"token\":\"…\"} or {\"all\":true}"),
        ("POST", "/_sandbox/facebook/audiences/{id}/delete", "Delete an audience as if from Ads Manager"),
        ("POST", "/_sandbox/facebook/adaccounts/{id}/tos", "{\"accepted\":true|false}"),
        ("POST", "/_sandbox/facebook/adaccounts", "{\"count\":N}: N more ad accounts, for paging"),
        ("POST", "/_sandbox/facebook/config", "{\"hourly_call_limit\":n,\"remove_threshold\":n,\"require_appsecret_proof\":bool}"),
        ("GET", "/_sandbox/tiktok/state", "Advertisers, audiences, tokens and settings of the TikTok emulator"),
        ("GET", "/_sandbox/tiktok/audiences/{id}", "One TikTok audience with its members (id_type, id) and counters"),
        ("POST", "/_sandbox/tiktok/tokens/revoke", "{\"token\":\"…\"} or {\"all\":true}: TikTok then answers 40105"),
        ("POST", "/_sandbox/tiktok/tokens/expire", "{\"token\":\"…\"} or {\"all\":true}: TikTok then answers 40102"),
        ("POST", "/_sandbox/tiktok/audiences/{id}/delete", "Delete a TikTok audience as if from Ads Manager"),
        ("POST", "/_sandbox/tiktok/config", "{\"qps_limit\":n,\"audience_cap\":n}"),
        ("GET", "/_sandbox/google/state", "Customers, user lists, tokens and settings of the Google emulator"),
        ("GET", "/_sandbox/google/audiences/{id}", "One user list (numeric id) with its members and counters"),
        ("GET", "/_sandbox/google/headers", "developer-token, login-customer-id and Authorization scheme of each API call"),
        ("POST", "/_sandbox/google/tokens/revoke", "{\"token\":\"…\"} or {\"all\":true}"),
        ("POST", "/_sandbox/google/tokens/expire", "Every access token expires now (refresh tokens keep working)"),
        ("POST", "/_sandbox/google/audiences/{id}/delete", "Remove a user list as if in the Google Ads UI"),
        ("POST", "/_sandbox/google/config", "{\"ingestion_per_minute\":n,\"management_per_minute\":n,\"size_floor\":n,\"developer_token\":\"…\"}"),
        ("GET", "/_sandbox/linkedin/state", "Member, ad accounts (with roles), DMP segments, tokens and settings of the LinkedIn emulator"),
        ("GET", "/_sandbox/linkedin/audiences/{id}", "One DMP segment with its members (idValues) and counters"),
        ("POST", "/_sandbox/linkedin/tokens/revoke", "{\"token\":\"…\"} or {\"all\":true}"),
        ("POST", "/_sandbox/linkedin/tokens/expire", "Access tokens expire now; {\"refresh\":true}: refresh tokens too"),
        ("POST", "/_sandbox/linkedin/audiences/{id}/delete", "Delete a DMP segment as if from Campaign Manager"),
        ("POST", "/_sandbox/linkedin/audiences/{id}/ready", "End a new segment's BUILDING time now"),
        ("POST", "/_sandbox/linkedin/config", "{\"rate_limit_per_second\":n,\"segment_ready_seconds\":s}"),
        ("GET", "/_sandbox/snapchat/state", "Snapchat: organizations, ad accounts, segments, tokens and settings"),
        ("GET", "/_sandbox/snapchat/audiences/{id}", "Snapchat: one segment with its members (by schema) and counters"),
        ("POST", "/_sandbox/snapchat/audiences/{id}/delete", "Snapchat: delete a segment as if from Ads Manager"),
        ("POST", "/_sandbox/snapchat/tokens/revoke", "Snapchat: {\"token\":\"…\"} or {\"all\":true} (access and refresh tokens)"),
        ("POST", "/_sandbox/snapchat/tokens/expire", "Snapchat: every access token expires now"),
        ("POST", "/_sandbox/snapchat/config", "Snapchat: {\"requests_per_second\":n,\"min_targetable\":n,\"segment_cap\":n,\"segment_page_size\":n}"),
        ("POST", "/_sandbox/snapchat/config", "Snapchat: {\"requests_per_second\":n,\"min_targetable\":n}"),
        ("GET", "/_sandbox/pinterest/state", "Pinterest: ad accounts, customer lists, audiences, tokens and settings"),
        ("GET", "/_sandbox/pinterest/audiences/{id}", "Pinterest: one customer list (list id, audience id or account:list) with its records and counters"),
        ("POST", "/_sandbox/pinterest/audiences/{id}/delete", "Pinterest: delete a customer list and its audiences as if from Ads Manager"),
        ("POST", "/_sandbox/pinterest/tokens/revoke", "Pinterest: {\"token\":\"…\"} or {\"all\":true} (access and refresh tokens)"),
        ("POST", "/_sandbox/pinterest/tokens/expire", "Pinterest: every access token expires now"),
        ("POST", "/_sandbox/pinterest/config", "Pinterest: {\"ads_read_per_minute\":n,\"ads_write_per_minute\":n,\"min_audience_size\":n,\"max_records\":n}"),
        ("GET", "/_sandbox/criteo/state", "Criteo: advertisers, segments, calls in the last minute, tokens and settings"),
        ("GET", "/_sandbox/criteo/audiences/{id}", "Criteo: one segment with its identifiers (by identifierType) and counters"),
        ("POST", "/_sandbox/criteo/audiences/{id}/delete", "Criteo: delete a segment as if from Commerce Growth"),
        ("POST", "/_sandbox/criteo/tokens/revoke", "Criteo: {\"token\":\"…\"} or {\"all\":true} (access and refresh tokens)"),
        ("POST", "/_sandbox/criteo/tokens/expire", "Criteo: every access token expires now"),
        ("POST", "/_sandbox/criteo/config", "Criteo: {\"calls_per_minute\":n,\"max_identifiers\":n}"),
        ("POST", SandboxAccountHealth.path, "{\"partner\",\"account\",\"value\"}: an ad account's status, or the demo user's role / permissions on it"),
        ("POST", "/_sandbox/faults", "Inject failures: partner, path_contains, method, share, count, status, error, raw_body, latency_ms, retry_after"),
        ("DELETE", "/_sandbox/faults", "Clear every fault"),
        ("POST", "/_sandbox/clock", "{\"advance_seconds\":N}: move the sandbox clock forward"),
        ("GET", "/_sandbox/clock", "The sandbox time"),
    ]

    /// Answers one `/_sandbox…` request.
    static func handle(_ request: Request, context: SandboxContext, partners: [any SandboxPartner]) -> Response {
        let path = request.path
        let names = partners.map(\.name)
        do {
            switch (request.method, path) {
            case ("POST", "/_sandbox/reset"):
                try context.store.reset(partners: partners)
                return Knob.ok(.object([("reset", .bool(true)), ("now", .int(Int(try context.store.now().timeIntervalSince1970)))]))
            case ("GET", "/_sandbox/requests"):
                let partner = request.query["partner"]
                if let partner, !names.contains(partner) {
                    return KnobError(field: "partner", message: "must be one of: \(names.joined(separator: ", "))").response
                }
                let since = try intParameter(request, "since", default: 0, range: 0...Int.max)
                let limit = try intParameter(request, "limit", default: 1000, range: 1...100_000)
                return Knob.ok(try SandboxRequestLog.list(partner: partner, since: since, limit: limit, store: context.store))
            case ("GET", "/_sandbox/faults"):
                return Knob.ok(.object([("faults", try SandboxFaults.list(store: context.store))]))
            case ("POST", "/_sandbox/faults"):
                let id = try SandboxFaults.create(try Knob.body(request), partners: names, store: context.store)
                return Knob.ok(.object([("id", .int(id))]))
            case ("DELETE", "/_sandbox/faults"):
                let cleared = try SandboxFaults.clear(partner: request.query["partner"], store: context.store)
                return Knob.ok(.object([("cleared", .int(cleared))]))
            case ("GET", "/_sandbox/clock"):
                return Knob.ok(try clockJSON(context))
            case ("POST", SandboxAccountHealth.path):
                return Knob.ok(try SandboxAccountHealth.set(request, context: context))
            case ("POST", "/_sandbox/clock"):
                let body = try Knob.body(request)
                guard let seconds = body["advance_seconds"]?.doubleValue, seconds >= 0, seconds.isFinite, seconds < 3.2e9 else {
                    throw KnobError(field: "advance_seconds", message: "must be a number of seconds, zero or more")
                }
                try context.store.write { db in
                    try db.execute(sql: "UPDATE sandbox_clock SET offset_seconds = offset_seconds + ? WHERE id = 1", arguments: [seconds])
                }
                return Knob.ok(try clockJSON(context))
            default:
                break
            }
            for partner in partners {
                let prefix = "/_sandbox/\(partner.name)"
                if path == prefix || path.hasPrefix(prefix + "/") {
                    if let response = partner.handleKnob(request, subpath: String(path.dropFirst(prefix.count)), context: context) {
                        return response
                    }
                }
            }
            let known = ["/_sandbox/reset", "/_sandbox/requests", "/_sandbox/faults", "/_sandbox/clock", SandboxAccountHealth.path]
            return known.contains(path) ? Knob.methodNotAllowed(request.method, path) : Knob.notFound(path)
        } catch let error as KnobError {
            return error.response
        } catch {
            return Knob.storeFailure(error)
        }
    }

    private static func clockJSON(_ context: SandboxContext) throws -> JSON {
        let (now, offset) = try context.store.read { db in
            (try context.store.now(db), try Double.fetchOne(db, sql: "SELECT offset_seconds FROM sandbox_clock WHERE id = 1") ?? 0)
        }
        return .object([("now", .int(Int(now.timeIntervalSince1970))), ("offset_seconds", .double(offset))])
    }

    private static func intParameter(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws(KnobError) -> Int {
        guard let text = request.query[name], !text.isEmpty else { return value }
        guard let i = Int(text), range.contains(i) else {
            throw KnobError(field: name, message: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return i
    }
}
