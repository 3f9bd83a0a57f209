import Core
import FastCGI
import Foundation

/// `GET /canvases/{id}`: a canvas — its entry criteria, its path of steps, and launch, stop or resume.
enum CanvasPage {
    struct Content {
        let id: Int64
        let name: String
        let status: String
        let isDraft: Bool
        let isActive: Bool
        let isStopped: Bool
        let criteria: CriteriaView
        /// A launched canvas's criteria are read-only until its explicit edit view (`?edit=criteria`) is opened.
        let editingCriteria: Bool
        let autoEnter: Bool
        /// Action-based entry as the form shows it.
        let entryAction: EntryActionView
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
        let rename, addFilter, removeFilter, autoEnter, entryAction, addStep, launch, stop, resume, delete, editCriteria, view: String
        init(_ id: Int64) {
            func path(_ action: CanvasAction) -> String { SiteRoute.canvasAction(id, action).path }
            rename = path(.rename); addFilter = path(.addFilter); removeFilter = path(.removeFilter); autoEnter = path(.autoEnter)
            entryAction = path(.entryAction)
            addStep = path(.addStep); launch = path(.launch); stop = path(.stop); resume = path(.resume); delete = path(.delete)
            editCriteria = Self.editCriteria(id); view = SiteRoute.canvas(id).path
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
        let problems: [String]
        let hasProblems: Bool
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
        let figures = try StepFigures.of(canvasID: id, store: context.app.store)
        let waiting = try steps.map { step in
            try context.app.store.pendingProblems(stepID: step.id).map { problem in
                problem.errorClass == "audience_too_small_to_remove"
                    ? "\(problem.count) user(s) Pending removal: the audience is too small to remove users from yet; AudienceSync tries again every hour (\(problem.message))"
                    : "\(problem.count) user(s): \(problem.message)"
            }
        }
        let rows = steps.enumerated().map { index, step in
            StepRow(number: index + 1, title: step.title(audienceNames: names), isDelay: step.kind.isDelay,
                    editPath: SiteRoute.step(id, step.id).path, moveUpPath: SiteRoute.stepAction(id, step.id, .moveUp).path,
                    moveDownPath: SiteRoute.stepAction(id, step.id, .moveDown).path, removePath: SiteRoute.stepAction(id, step.id, .remove).path,
                    retryPath: SiteRoute.stepAction(id, step.id, .retryErrored).path,
                    isFirst: index == 0, isLast: index == steps.count - 1, figures: figures[index], reasons: reasons(figures[index]),
                    problems: waiting[index], hasProblems: !waiting[index].isEmpty)
        }
        let editing = canvas.status == .draft || context.request.query["edit"] == "criteria" || filterError != nil
        let content = Content(
            id: id, name: canvas.name, status: CanvasLabels.status(canvas.status), isDraft: canvas.status == .draft,
            isActive: canvas.status == .active, isStopped: canvas.status == .stopped,
            criteria: CriteriaView(criteria: CriteriaStorage.decode(canvas.entryCriteriaJSON), error: filterError, errorOp: context.request.form["op"],
                                   segments: try segmentNames(context), isEditable: editing),
            editingCriteria: editing, autoEnter: canvas.autoEnter,
            entryAction: EntryActionView(canvas.entryAction, error: entryActionError, form: entryActionError == nil ? nil : context.request.form),
            steps: rows, hasSteps: !rows.isEmpty, problems: problems.map { ProblemView(message: $0.message, link: $0.link) },
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
