import Core
import FastCGI
import Partners
import Storage

/// `GET /canvases/{id}/steps/{step}`: the step editor — an Audience Sync step's partner ad account, audience,
/// action and fields to match, or a Delay step's length.
enum StepEditorPage {
    struct Content {
        let canvasName: String
        let canvasPath: String
        let number: Int
        let isDelay: Bool
        let delay: DelayForm
        let sync: SyncForm
        /// A launched Audience Sync step: what it does, instead of an editor.
        let summary: StepSummary?
        let savePath: String
        let searchPath: String
        let csrfToken: String
        let activity: [ActivityView]
        let hasActivity: Bool
        /// Server-made SVG (escaped by `TimeSeriesChart`); raw only because the field name says HTML.
        let chartHTML: String
        let ranges: [RangeLink]
        let partner: PartnerFiguresView?
    }

    /// What the partner itself reports of the step's audience.
    struct PartnerFiguresView {
        let partnerName: String
        let received: String
        let invalid: String
        let size: String
        let sizeCheckedAt: String?
    }

    struct RangeLink {
        let label: String
        let path: String
        let isCurrent: Bool
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
        var summary: StepSummary?
        var delay = DelayForm(seconds: 3600, error: errors["amount"] ?? errors["unit"])
        switch kind {
        case .delay(let seconds):
            delay = DelayForm(seconds: seconds, error: errors["amount"] ?? errors["unit"])
            sync = SyncForm.empty
        case .audienceSync(let config) where canvas.status != .draft:
            sync = SyncForm.empty
            summary = try StepSummary(context, config: config, steps: steps)
        case .audienceSync(let config):
            sync = try SyncForm(context, config: config, step: step, steps: steps, search: context.request.query["q"] ?? "", errors: errors)
        }
        let isDelay = kind.isDelay
        var partner: PartnerFiguresView?
        if case .audienceSync(let config) = step.kind, let id = config.partner {
            let figures = try context.app.store.partnerFigures(stepID: stepID)
            partner = PartnerFiguresView(figures, partnerName: PartnerInfo.of(id).displayName)
        }
        let activity = try context.app.store.activity(stepID: stepID).map {
            ActivityView(at: Formats.dateTime($0.at), users: $0.users, outcome: $0.outcome == "ok" ? "OK" : $0.outcome, isOK: $0.outcome == "ok",
                         summary: $0.summary, latency: "\($0.latencyMilliseconds) ms")
        }
        let range = ChartRange(rawValue: context.request.query["range"] ?? "") ?? .day
        let chart = try StepChart.svg(context, stepID: stepID, isDelay: kind.isDelay, range: range)
        let ranges = ChartRange.allCases.map {
            RangeLink(label: $0.label, path: SiteRoute.step(canvasID, stepID).path + "?range=" + $0.rawValue, isCurrent: $0 == range)
        }
        let content = Content(canvasName: canvas.name, canvasPath: SiteRoute.canvas(canvasID).path, number: step.position + 1, isDelay: isDelay,
                              delay: delay, sync: sync, summary: summary,
                              savePath: SiteRoute.stepAction(canvasID, stepID, .save).path, searchPath: SiteRoute.step(canvasID, stepID).path,
                              csrfToken: context.session?.csrfToken ?? "", activity: activity, hasActivity: !activity.isEmpty,
                              chartHTML: chart, ranges: ranges, partner: partner)
        return context.renderer.page("step_editor", shell: context.shell(title: "Step \(step.position + 1) · \(canvas.name)", section: "canvases"),
                                     content: content, status: status)
    }
}

extension StepEditorPage.PartnerFiguresView {
    init(_ figures: PartnerFigures, partnerName: String) {
        self.partnerName = partnerName
        received = Formats.count(figures.received)
        invalid = Formats.count(figures.invalid)
        switch (figures.sizeLower, figures.sizeUpper) {
        case (let lower?, let upper?) where lower == upper: size = "about \(Formats.count(lower)) people"
        case (let lower?, let upper?): size = "\(Formats.count(lower))–\(Formats.count(upper)) people"
        default: size = "not reported yet"
        }
        sizeCheckedAt = figures.sizeCheckedAt.map(Formats.dateTime)
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

/// The step page's chart: users entering the step, and, for Audience Sync steps, synced, not synced and errored.
enum StepChart {
    static func svg(_ context: RequestContext, stepID: Int64, isDelay: Bool, range: ChartRange) throws -> String {
        let start = range.start(now: context.now)
        let lines: [(String, String, String)] = isDelay
            ? [("entered", "Entered", "#3b4cca"), ("proceeded", "Proceeded", "#1d7a46")]
            : [("entered", "Entered", "#3b4cca"), ("synced", "Users Synced", "#1d7a46"), ("not_synced_no_field", "Not Synced: no field", "#8a5a00"),
               ("not_synced_invalid", "Not Synced: invalid", "#c27c0e"), ("not_synced_no_consent", "Not Synced: no consent", "#6b4fa0"),
               ("errored", "Errored", "#b42318")]
        let series = try context.app.store.stepSeries(stepID: stepID, metrics: lines.map(\.0), start: start, bucket: range.bucket, count: range.buckets)
        return context.app.charts.svg(lines.map { ChartSeries(label: $0.1, color: $0.2, values: series[$0.0] ?? []) }, range: range,
                                      start: start, title: "Step figures, \(range.label.lowercased())")
    }
}
