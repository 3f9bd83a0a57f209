import FastCGI
import Storage

/// `GET /metrics`: queue depth, sends, errors by class, batch sizes and latency in Prometheus text format.
/// Only loopback clients get an answer (nginx also allows only them).
enum MetricsEndpoint {
    static func handle(_ context: RequestContext) throws -> Response {
        let address = context.request.remoteAddress
        guard address == "127.0.0.1" || address == "::1" || address.hasPrefix("127.") else {
            return Response.text("Not found\n", status: 404)
        }
        let metrics = try context.app.store.queueMetrics()
        var lines: [String] = []
        func family(_ name: String, _ help: String, _ type: String, _ samples: [(String, Int)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        family("audiencesync_sync_items", "Sync items by state.", "gauge",
               ["pending", "synced", "errored"].map { ("{state=\"\($0)\"}", metrics.items[$0] ?? 0) })
        family("audiencesync_pending_items", "Pending items by the problem they wait on.", "gauge",
               metrics.pendingByClass.sorted { $0.key < $1.key }.map { ("{reason=\"\(escape($0.key))\"}", $0.value) })
        family("audiencesync_partner_requests", "Partner requests in the activity window (7 days) by outcome.", "gauge",
               metrics.requests.sorted { $0.key < $1.key }.map { ("{outcome=\"\(escape($0.key))\"}", $0.value) })
        family("audiencesync_partner_request_users", "Users carried by those requests (batch sizes summed).", "gauge", [("", metrics.usersSent)])
        family("audiencesync_partner_request_latency_milliseconds", "Total latency of those requests.", "gauge", [("", metrics.latencyMilliseconds)])
        family("audiencesync_open_alerts", "Problems told and not yet cleared, by kind.", "gauge",
               ["integration", "step"].map { ("{kind=\"\($0)\"}", metrics.openAlerts[$0] ?? 0) })
        family("audiencesync_outbox_emails", "Alert emails by state (queued ones wait for SMTP or for a retry).", "gauge",
               ["queued", "sent", "failed"].map { ("{state=\"\($0)\"}", metrics.outbox[$0] ?? 0) })
        if let check = try context.app.store.lastCheck(MaintenanceCheck.integrity) {
            family("audiencesync_integrity_check_ok", "1 when the last full integrity_check of the database found nothing, 0 when it found damage.",
                   "gauge", [("", check.result == "ok" ? 1 : 0)])
            family("audiencesync_integrity_check_timestamp_seconds", "When that check ran (Unix time).", "gauge",
                   [("", Int(check.at.timeIntervalSince1970))])
        }
        return Response(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4"), ("Cache-Control", "no-store")],
                        body: Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    private static func escape(_ label: String) -> String {
        label.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: " ")
    }
}
