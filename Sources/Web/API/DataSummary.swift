import Core
import FastCGI
import Storage

/// `GET /api/v1/canvas/data_summary?canvas_id=…`: per-step figures of a canvas, as the canvas page shows them.
enum DataSummary {
    struct Answer: Encodable {
        /// Braze's `message`, on every answer.
        let message = "success"
        let canvasID: String
        let name: String
        let status: String
        let steps: [StepFigures]
        enum CodingKeys: String, CodingKey { case message, canvasID = "canvas_id", name, status, steps }
    }

    static func handle(_ context: RequestContext) throws -> Response {
        guard let id = Int64(context.request.query["canvas_id"] ?? "") else {
            return APIError.response(400, field: "canvas_id", message: "Send ?canvas_id=<the canvas id>.")
        }
        let canvas: Canvas
        switch Result(catching: { () throws(StoreError) in try context.app.store.canvas(workspaceID: context.apiWorkspaceID!, id: id) }) {
        case .success(let value): canvas = value
        case .failure(.notFound): return APIError.response(404, field: "canvas_id", message: "No canvas \(id) in this workspace.")
        case .failure(let error): throw error
        }
        let steps = try StepFigures.of(canvasID: id, store: context.app.store)
        return Response.json(Answer(canvasID: String(id), name: canvas.name, status: canvas.status.rawValue, steps: steps))
    }
}

/// One step's figures: what the canvas page and `data_summary` show.
struct StepFigures: Encodable {
    let id: Int64
    let position: Int
    let title: String
    let kind: String
    let entered: Int
    let proceeded: Int
    let exited: Int
    let pending: Int
    let throttled: Int
    let synced: Int
    let notSynced: Int
    let errored: Int
    /// Users Not Synced by reason (`no_field`, `invalid_value`, `no_consent`).
    let notSyncedByReason: [String: Int]
    /// Users the consent policy kept back, by the condition they failed ("do_not_sell is true"; the last 30 days).
    let notSyncedByConsent: [String: Int]
    /// Removals from the step's audience of users who withdrew consent or were erased, by state.
    let removals: [String: Int]
    /// Users Errored by the error class of their last attempt.
    let erroredByReason: [String: Int]

    enum CodingKeys: String, CodingKey {
        case id, position, title, kind, entered, proceeded, exited, pending, throttled, synced, errored
        case notSynced = "not_synced"
        case notSyncedByReason = "not_synced_by_reason"
        case notSyncedByConsent = "not_synced_by_consent"
        case removals
        case erroredByReason = "errored_by_reason"
    }

    static func of(canvasID: Int64, store: Store) throws -> [StepFigures] {
        let steps = try store.steps(canvasID: canvasID)
        let totals = try store.stepTotals(canvasID: canvasID)
        let names = steps.reduce(into: [Int64: String]()) { names, step in
            if case .audienceSync(let config) = step.kind, case .new(let name, _) = config.audience { names[step.id] = name }
        }
        return try steps.map { step in
            let figures = totals[step.id] ?? [:]
            let items = try store.syncItemCounts(stepID: step.id)
            let isDelay = step.kind.isDelay
            return StepFigures(id: step.id, position: step.position, title: step.title(audienceNames: names), kind: isDelay ? "delay" : "audience_sync",
                               entered: figures[.entered] ?? 0, proceeded: figures[.proceeded] ?? 0, exited: figures[.exited] ?? 0,
                               pending: items["pending"] ?? 0, throttled: try store.throttledCount(stepID: step.id), synced: items["synced"] ?? 0,
                               notSynced: StepMetric.notSynced.reduce(0) { $0 + (figures[$1] ?? 0) },
                               errored: items["errored"] ?? 0,
                               notSyncedByReason: ["no_field": figures[.notSyncedNoField] ?? 0, "invalid_value": figures[.notSyncedInvalid] ?? 0,
                                                   "no_consent": figures[.notSyncedNoConsent] ?? 0, "erased": figures[.notSyncedErased] ?? 0],
                               notSyncedByConsent: isDelay ? [:] : try store.consentBlocksByReason(stepID: step.id),
                               removals: isDelay ? [:] : try Self.removals(store.removalCounts(stepID: step.id)),
                               erroredByReason: try store.erroredByClass(stepID: step.id))
        }
    }

    private static func removals(_ counts: RemovalCounts) -> [String: Int] {
        ["pending": counts.pending, "removed": counts.removed, "errored": counts.errored]
    }
}
