import Core
import FastCGI
import Partners

/// `GET /canvases/{id}/steps/{step}`: the step editor — an Audience Sync step's partner ad account, audience,
/// action and fields to match, or a Delay step's length.
enum StepEditorPage {
    struct Content {
        let canvasName: String
        let canvasPath: String
        let number: Int
        let isDelay: Bool
        let isLocked: Bool
        let delay: DelayForm
        let sync: SyncForm
        let savePath: String
        let searchPath: String
        let csrfToken: String
        let activity: [ActivityView]
        let hasActivity: Bool
    }

    struct ActivityView {
        let at: String
        let users: Int
        let outcome: String
        let isOK: Bool
        let summary: String
        let latency: String
    }

    static func handle(_ context: RequestContext, _ canvasID: Int64, _ stepID: Int64) throws -> Response {
        try render(context, canvasID, stepID, draft: nil, errors: [:], status: 200)
    }

    /// Renders the editor with the stored step, or with `draft` (a refused form) and its `errors` by field.
    static func render(_ context: RequestContext, _ canvasID: Int64, _ stepID: Int64, draft: StepKind?, errors: [String: String],
                       status: Int) throws -> Response {
        let canvas = try context.app.store.canvas(workspaceID: context.user.workspaceID, id: canvasID)
        let steps = try context.app.store.steps(canvasID: canvasID)
        guard let step = steps.first(where: { $0.id == stepID }) else { return ErrorPages.notFound(context) }
        let kind = draft ?? step.kind
        let sync: SyncForm
        var delay = DelayForm(seconds: 3600, error: errors["amount"] ?? errors["unit"])
        switch kind {
        case .delay(let seconds):
            delay = DelayForm(seconds: seconds, error: errors["amount"] ?? errors["unit"])
            sync = SyncForm.empty
        case .audienceSync(let config):
            sync = try SyncForm(context, config: config, step: step, steps: steps, search: context.request.query["q"] ?? "", errors: errors)
        }
        let isDelay = kind.isDelay
        let activity = try context.app.store.activity(stepID: stepID).map {
            ActivityView(at: Formats.dateTime($0.at), users: $0.users, outcome: $0.outcome == "ok" ? "OK" : $0.outcome, isOK: $0.outcome == "ok",
                         summary: $0.summary, latency: "\($0.latencyMilliseconds) ms")
        }
        let content = Content(canvasName: canvas.name, canvasPath: SiteRoute.canvas(canvasID).path, number: step.position + 1, isDelay: isDelay,
                              isLocked: canvas.status != .draft && !isDelay, delay: delay, sync: sync,
                              savePath: SiteRoute.stepAction(canvasID, stepID, .save).path, searchPath: SiteRoute.step(canvasID, stepID).path,
                              csrfToken: context.session?.csrfToken ?? "", activity: activity, hasActivity: !activity.isEmpty)
        return context.renderer.page("step_editor", shell: context.shell(title: "Step \(step.position + 1) · \(canvas.name)", section: "canvases"),
                                     content: content, status: status)
    }
}

/// The Delay step's form.
struct DelayForm {
    struct Unit {
        let value: String
        let isSelected: Bool
    }

    let amount: Int
    let units: [Unit]
    let error: String?

    init(seconds: Int, error: String?) {
        let unit = [DelayUnit.days, .hours, .minutes].first { seconds % $0.seconds == 0 } ?? .minutes
        amount = seconds / unit.seconds
        units = DelayUnit.allCases.map { Unit(value: $0.rawValue, isSelected: $0 == unit) }
        self.error = error
    }
}
