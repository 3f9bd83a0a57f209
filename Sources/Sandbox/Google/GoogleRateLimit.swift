import Foundation
import GRDB

/// Data Manager quotas per Cloud project and minute (partners.md §3b.4): the sandbox counts per OAuth client, which
/// stands for the app's project. A call over quota is not performed and answers 429 `RESOURCE_EXHAUSTED` with the quota
/// name in `ErrorInfo.metadata.quota_limit`, a `RetryInfo` and `Retry-After` [I: both, so either kind of client backs off].
enum GoogleRateLimit {
    static let window: TimeInterval = 60

    /// A Data Manager quota.
    enum Quota: String {
        case ingestionMutate = "IngestionMutateRequestsPerMinutePerProject"
        case ingestionRead = "IngestionReadRequestsPerMinutePerProject"
        case managementMutate = "ManagementMutateRequestsPerMinutePerProject"
        case managementRead = "ManagementReadRequestsPerMinutePerProject"

        var metric: String {
            switch self {
            case .ingestionMutate: "datamanager.googleapis.com/ingestion_mutate_requests"
            case .ingestionRead: "datamanager.googleapis.com/ingestion_read_requests"
            case .managementMutate: "datamanager.googleapis.com/management_mutate_requests"
            case .managementRead: "datamanager.googleapis.com/management_read_requests"
            }
        }

        func limit(_ config: GoogleConfig) -> Int {
            switch self {
            case .ingestionMutate, .ingestionRead: config.ingestionPerMinute
            case .managementMutate, .managementRead: config.managementPerMinute
            }
        }
    }

    /// Counts the call, or throws the quota error when the rolling minute is full.
    static func charge(_ db: Database, _ quota: Quota, state: inout GoogleState) throws {
        let clientID = state.token.clientID
        let now = state.now.timeIntervalSince1970
        let limit = quota.limit(state.config)
        try db.execute(sql: "DELETE FROM google_calls WHERE at <= ?", arguments: [now - window])
        let used = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM google_calls WHERE client_id = ? AND quota = ?",
                                    arguments: [clientID, quota.rawValue]) ?? 0
        guard used >= limit else {
            try db.execute(sql: "INSERT INTO google_calls (client_id, quota, at) VALUES (?, ?, ?)", arguments: [clientID, quota.rawValue, now])
            return
        }
        let oldest = try Double.fetchOne(db, sql: "SELECT at FROM google_calls WHERE client_id = ? AND quota = ? ORDER BY at LIMIT 1 OFFSET ?",
                                         arguments: [clientID, quota.rawValue, max(0, used - limit)])
        let seconds = max(1, Int(((oldest ?? now) + window - now).rounded(.up)))
        try db.execute(sql: "INSERT INTO google_rate_rejections (client_id, quota, at) VALUES (?, ?, ?)", arguments: [clientID, quota.rawValue, now])
        var error = GoogleStatusError(
            code: 429, status: "RESOURCE_EXHAUSTED",
            message: "Quota exceeded for quota metric '\(quota.metric)' and limit '\(quota.rawValue)' of service 'datamanager.googleapis.com' for consumer 'project_number:\(clientID)'.",
            details: [
                GoogleStatusError.errorInfo("RATE_LIMIT_EXCEEDED", domain: "googleapis.com", metadata: [
                    ("quota_limit", quota.rawValue), ("quota_metric", quota.metric), ("quota_limit_value", String(limit)),
                    ("service", "datamanager.googleapis.com"), ("consumer", "projects/\(clientID)"), ("quota_location", "global"),
                ]),
                .object([("@type", .string("type.googleapis.com/google.rpc.RetryInfo")), ("retryDelay", .string("\(seconds)s"))]),
            ])
        error.retryAfter = seconds
        state.retryAfter = seconds
        throw error
    }
}
