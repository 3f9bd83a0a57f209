import Core
import FastCGI
import Foundation

/// `GET /canvases/{id}`: a canvas, results first — the journey drawn (entry criteria with the workspace consent policy,
/// then each step with its figures and problem badge), then launch, stop or resume; editing the name, the entry
/// criteria and the steps is behind explicit Edit controls (`?edit=name`, `?edit=criteria`, `?edit=steps`).
/// `/static/canvas-live.js` refreshes the figures from `figures.json`; without it the page shows the same numbers.
enum CanvasPage {
    struct Content {
        let id: Int64
        let name: String
        let status: String
        let isDraft: Bool
        let isActive: Bool
        let isStopped: Bool
        let criteria: CriteriaView
        /// The criteria as one sentence, for the journey's entry node.
        let criteriaSummary: String
        /// Whether the entry criteria and entry settings are open for editing (`?edit=criteria`, or a refused edit).
        let editingCriteria: Bool
        /// Whether the rename form is open (`?edit=name`, or a refused name).
        let editingName: Bool
        /// Whether a draft's steps can be added, moved and removed (`?edit=steps`).
        let editingSteps: Bool
        let autoEnter: Bool
        /// Action-based entry as the form shows it.
        let entryAction: EntryActionView
        let entry: JourneyFigures.Entry
        let steps: [StepRow]
        let hasSteps: Bool
        let problems: [ProblemView]
        let hasProblems: Bool
        let nameError: String?
        let consentPolicy: ConsentPolicyNotice
        let paths: Paths
        let csrfToken: String
    }

    struct Paths {
        let rename, addFilter, removeFilter, autoEnter, entryAction, addStep, launch, stop, resume, delete, editCriteria, editName, editSteps, view: String
        let figures: String
        init(_ id: Int64) {
            func path(_ action: CanvasAction) -> String { SiteRoute.canvasAction(id, action).path }
            rename = path(.rename); addFilter = path(.addFilter); removeFilter = path(.removeFilter); autoEnter = path(.autoEnter)
            entryAction = path(.entryAction)
            addStep = path(.addStep); launch = path(.launch); stop = path(.stop); resume = path(.resume); delete = path(.delete)
            editCriteria = Self.editCriteria(id); view = SiteRoute.canvas(id).path
            editName = view + "?edit=name"; editSteps = view + "?edit=steps"
            figures = SiteRoute.canvasFigures(id).path
        }

        /// The explicit edit view of a canvas's entry criteria.
        static func editCriteria(_ id: Int64) -> String { SiteRoute.canvas(id).path + "?edit=criteria" }
    }

    struct StepRow {
        let number: Int
        let title: String
        let isDelay: Bool
        let editPath: String
        let moveUpPath: String
        let moveDownPath: String
        let removePath: String
        let retryPath: String
        let isFirst: Bool
        let isLast: Bool
        let figures: StepFigures
        /// "Not synced: 3 no field to match, 1 invalid value", "Errored: 2 deadline".
        let reasons: [String]
        let reasonsText: String
        let hasReasons: Bool
        let problems: [String]
        let hasProblems: Bool
        let badge: JourneyFigures.Badge
        /// The retry control is drawn only while the step has errored users (the live script shows it when some appear).
        let hasErrored: Bool
    }

    struct ProblemView {
        let message: String
        let link: String?
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        try render(context, id, problems: [], filterError: nil, nameError: nil, status: 200)
    }

    /// Renders the page; `problems` are a refused launch's reasons, `filterError` the add-filter form's.
    static func render(_ context: RequestContext, _ id: Int64, problems: [LaunchProblem], filterError: String?, nameError: String?,
                       entryActionError: FieldError? = nil, status: Int) throws -> Response {
        let canvas = try context.app.store.canvas(workspaceID: context.user.workspaceID, id: id)
        let steps = try context.app.store.steps(canvasID: id)
        let names = CanvasStepNames.newAudienceNames(steps)
        let journey = try JourneyFigures.of(canvasID: id, store: context.app.store)
        let rows = zip(steps, journey.steps).enumerated().map { index, pair in
            let (step, node) = pair
            return StepRow(number: index + 1, title: step.title(audienceNames: names), isDelay: step.kind.isDelay,
                           editPath: SiteRoute.step(id, step.id).path, moveUpPath: SiteRoute.stepAction(id, step.id, .moveUp).path,
                           moveDownPath: SiteRoute.stepAction(id, step.id, .moveDown).path, removePath: SiteRoute.stepAction(id, step.id, .remove).path,
                           retryPath: SiteRoute.stepAction(id, step.id, .retryErrored).path,
                           isFirst: index == 0, isLast: index == steps.count - 1, figures: node.figures, reasons: node.reasons,
                           reasonsText: node.reasons.joined(separator: " · "), hasReasons: !node.reasons.isEmpty,
                           problems: node.problems, hasProblems: !node.problems.isEmpty, badge: node.badge, hasErrored: node.figures.errored > 0)
        }
        let edit = context.request.query["edit"]
        let editing = edit == "criteria" || filterError != nil || entryActionError != nil
        let decoded = CriteriaStorage.decode(canvas.entryCriteriaJSON)
        var criteria = CriteriaView(criteria: decoded, error: filterError, errorOp: context.request.form["op"],
                                    segments: try segmentNames(context), isEditable: editing)
        criteria.showsSummary = false   // the journey's entry node says it
        let content = Content(
            id: id, name: canvas.name, status: CanvasLabels.status(canvas.status), isDraft: canvas.status == .draft,
            isActive: canvas.status == .active, isStopped: canvas.status == .stopped,
            criteria: criteria, criteriaSummary: criteria.summary,
            editingCriteria: editing, editingName: edit == "name" || nameError != nil,
            editingSteps: canvas.status == .draft && edit == "steps", autoEnter: canvas.autoEnter,
            entryAction: EntryActionView(canvas.entryAction, error: entryActionError, form: entryActionError == nil ? nil : context.request.form),
            entry: journey.entry, steps: rows, hasSteps: !rows.isEmpty, problems: problems.map { ProblemView(message: $0.message, link: $0.link) },
            hasProblems: !problems.isEmpty, nameError: nameError, consentPolicy: try ConsentPolicyNotice.of(context), paths: Paths(id), csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("canvas", shell: context.shell(title: canvas.name, section: "canvases"), content: content, status: status)
    }
}

extension CanvasPage {
    /// The workspace's segment names by id, for "in segment" filters.
    static func segmentNames(_ context: RequestContext) throws -> [Int64: String] {
        Dictionary(uniqueKeysWithValues: try context.app.store.segments(workspaceID: context.user.workspaceID).map { ($0.id, $0.name) })
    }

    /// The by-reason breakdowns of Users Not Synced and Users Errored, when there is something to break down.
    static func reasons(_ figures: StepFigures) -> [String] {
        func line(_ title: String, _ counts: [String: Int], _ label: (String) -> String) -> String? {
            let parts = counts.filter { $0.value > 0 }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \(label($0.key))" }
            return parts.isEmpty ? nil : "\(title): " + parts.joined(separator: ", ")
        }
        let reasons = ["no_field": "no field to match", "invalid_value": "invalid value", "no_consent": "no consent", "erased": "erased"]
        return [line("Not synced", figures.notSyncedByReason) { reasons[$0] ?? $0 },
                line("No consent (consent policy)", figures.notSyncedByConsent) { $0 },
                line("Removed after consent was withdrawn or the user was erased", figures.removals) { $0 },
                line("Errored", figures.erroredByReason) { $0.replacingOccurrences(of: "_", with: " ") }].compactMap { $0 }
    }
}

/// Names of the new audiences steps create, so a later "remove from the audience of step N" reads well.
enum CanvasStepNames {
    static func newAudienceNames(_ steps: [CanvasStep]) -> [Int64: String] {
        var names: [Int64: String] = [:]
        for step in steps {
            if case .audienceSync(let config) = step.kind, case .new(let name, _) = config.audience { names[step.id] = name }
        }
        return names
    }
}

/// The canvas page's "Enter users when they…" form: none, an event (by name) or a purchase (of a product, or any).
struct EntryActionView {
    let summary: String
    let isNone: Bool
    let isEvent: Bool
    let isPurchase: Bool
    let name: String
    /// The message for the name field, or for the choice.
    let nameError: String?
    let kindError: String?

    /// The stored setting, or what was posted when it was refused (so the user corrects rather than retypes).
    init(_ action: EntryAction?, error: FieldError?, form: FormValues?) {
        summary = action.map { "Users enter \($0.summary), if they match the entry criteria." } ?? "Off: no event or purchase enters users."
        let kind = form?["entry_action"] ?? action?.kind ?? "none"
        isNone = kind == "none"; isEvent = kind == "event"; isPurchase = kind == "purchase"
        name = form?["entry_action_name"] ?? action?.name ?? ""
        nameError = error?.field == "entry_action_name" ? error?.message : nil
        kindError = error?.field == "entry_action" ? error?.message : nil
    }
}
