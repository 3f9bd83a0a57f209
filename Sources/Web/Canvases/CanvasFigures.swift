import Core
import FastCGI
import Storage

/// The canvas page's live figures: what the journey diagram shows for the entry and each step, built once for the
/// page and for `GET /canvases/{id}/figures.json`, so the two never disagree.
struct JourneyFigures {
    /// The entry node: users entered (step 1's Entered), entry requests that did not match, entries kept back by consent.
    struct Entry {
        let entered: Int
        let notMatched: Int
        let blockedByConsent: Int
    }

    /// One step's node: its figures, problem badge and the problems it waits on.
    struct Step {
        let number: Int
        let figures: StepFigures
        let reasons: [String]
        let problems: [String]
        let badge: Badge
    }

    /// A step's problem badge: the one thing to look at first, or "No problems".
    struct Badge {
        let text: String
        /// `ok`, `warn` or `bad`.
        let level: String
    }

    let entry: Entry
    let steps: [Step]

    static func of(canvasID: Int64, store: Store) throws -> JourneyFigures {
        let figures = try StepFigures.of(canvasID: canvasID, store: store)
        let counts = try store.canvasEntryFigures(canvasID: canvasID)
        let steps = try figures.enumerated().map { index, figure in
            let problems = try store.pendingProblems(stepID: figure.id).map { problem in
                problem.errorClass == "audience_too_small_to_remove"
                    ? "\(problem.count) user(s) Pending removal: the audience is too small to remove users from yet; AudienceSync tries again every hour (\(problem.message))"
                    : "\(problem.count) user(s): \(problem.message)"
            }
            return Step(number: index + 1, figures: figure, reasons: CanvasPage.reasons(figure), problems: problems,
                        badge: badge(figure, waiting: problems.count))
        }
        return JourneyFigures(entry: Entry(entered: figures.first?.entered ?? 0, notMatched: counts.notMatched,
                                           blockedByConsent: counts.blockedByConsent),
                              steps: steps)
    }

    static func badge(_ figures: StepFigures, waiting: Int) -> Badge {
        if figures.kind == "delay" { return Badge(text: "Waiting step", level: "ok") }
        if figures.errored > 0 { return Badge(text: "\(figures.errored) errored", level: "bad") }
        if waiting > 0 { return Badge(text: "Needs attention", level: "warn") }
        if figures.throttled > 0 { return Badge(text: "\(figures.throttled) throttled", level: "warn") }
        if figures.notSynced > 0 { return Badge(text: "\(figures.notSynced) not synced", level: "warn") }
        return Badge(text: "No problems", level: "ok")
    }

    /// The texts the page shows, by element id (what `/static/canvas-live.js` writes into the page).
    var texts: [String: String] {
        var texts = ["entry-entered": String(entry.entered), "entry-not-matched": String(entry.notMatched),
                     "entry-blocked": String(entry.blockedByConsent)]
        for step in steps {
            let f = step.figures, n = step.number
            for (name, value) in [("entered", f.entered), ("proceeded", f.proceeded), ("synced", f.synced), ("not-synced", f.notSynced),
                                  ("pending", f.pending), ("throttled", f.throttled), ("errored", f.errored), ("exited", f.exited)] {
                texts["step-\(n)-\(name)"] = String(value)
            }
            texts["step-\(n)-badge"] = step.badge.text
            texts["step-\(n)-reasons"] = step.reasons.joined(separator: " · ")
        }
        return texts
    }

    /// Elements shown or hidden by the figures: the retry control only when a step has errored users.
    var hidden: [String: Bool] {
        var hidden: [String: Bool] = [:]
        for step in steps {
            hidden["step-\(step.number)-retry"] = step.figures.errored == 0
            hidden["step-\(step.number)-reasons"] = step.reasons.isEmpty
        }
        return hidden
    }

    /// Each badge's class.
    var classes: [String: String] {
        Dictionary(uniqueKeysWithValues: steps.map { ("step-\($0.number)-badge", "badge level-\($0.badge.level)") })
    }
}

/// `GET /canvases/{id}/figures.json`: the canvas page's figures, for `/static/canvas-live.js` (signed in; another
/// workspace's canvas answers 404).
enum CanvasFigures {
    struct Body: Encodable {
        let canvasID: String
        let status: String
        let entry: Entry
        let steps: [StepFigures]
        let texts: [String: String]
        let hidden: [String: Bool]
        let classes: [String: String]
        enum CodingKeys: String, CodingKey { case canvasID = "canvas_id", status, entry, steps, texts, hidden, classes }
    }

    struct Entry: Encodable {
        let entered: Int
        let notMatched: Int
        let blockedByConsent: Int
        enum CodingKeys: String, CodingKey { case entered, notMatched = "did_not_match", blockedByConsent = "blocked_by_consent" }
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        let canvas = try context.app.store.canvas(workspaceID: context.user.workspaceID, id: id)
        let journey = try JourneyFigures.of(canvasID: id, store: context.app.store)
        var response = Response.json(Body(canvasID: String(id), status: canvas.status.rawValue,
                                          entry: Entry(entered: journey.entry.entered, notMatched: journey.entry.notMatched,
                                                       blockedByConsent: journey.entry.blockedByConsent),
                                          steps: journey.steps.map(\.figures), texts: journey.texts, hidden: journey.hidden, classes: journey.classes))
        response.headers.append(("Cache-Control", "no-store"))
        return response
    }
}
