import Core
import FastCGI
import Storage

/// The POST actions of a step: save the editor's form, move it, remove it.
enum StepActions {
    static func handle(_ context: RequestContext, _ canvasID: Int64, _ stepID: Int64, _ action: StepAction) throws -> Response {
        let store = context.app.store
        let workspace = context.user.workspaceID
        switch action {
        case .save:
            return try StepSave.handle(context, canvasID, stepID)
        case .moveUp, .moveDown:
            try store.moveStep(workspaceID: workspace, canvasID: canvasID, stepID: stepID, by: action == .moveUp ? -1 : 1)
        case .remove:
            try store.removeStep(workspaceID: workspace, canvasID: canvasID, stepID: stepID)
        case .retryErrored:
            // Scoped: the step must be one of this workspace's canvases.
            guard try store.steps(canvasID: try store.canvas(workspaceID: workspace, id: canvasID).id).contains(where: { $0.id == stepID }) else {
                throw StoreError.notFound
            }
            try store.retryErrored(stepID: stepID, now: context.now)
            return Response.redirect(to: SiteRoute.canvas(canvasID).path + "?notice=" + Notice.retrying.rawValue)
        }
        return CanvasActions.back(canvasID)
    }

    /// Retrying errored users sends them again, and removing a step deletes its settings: both are asked first.
    static func gate(_ context: RequestContext, _ canvasID: Int64, _ stepID: Int64, _ action: StepAction) throws -> ConfirmGate {
        guard action == .retryErrored || action == .remove else { return .proceed }
        let store = context.app.store
        let canvas = try store.canvas(workspaceID: context.user.workspaceID, id: canvasID)
        let steps = try store.steps(canvasID: canvas.id)
        // Scoped: the step must be one of this canvas's.
        guard let index = steps.firstIndex(where: { $0.id == stepID }) else { throw StoreError.notFound }
        if action == .remove {
            // Only a draft's steps can be removed; the store refuses the others, with its reason.
            guard canvas.status == .draft else { return .proceed }
            let title = steps[index].title(audienceNames: CanvasStepNames.newAudienceNames(steps))
            return .ask { Confirmation(title: "Remove step \(index + 1) of “\(canvas.name)”?",
                                     effect: "Removing step \(index + 1) (\(title)) deletes its settings; the steps after it move up.",
                                     button: "Remove step", cancelPath: SiteRoute.canvas(canvasID).path) }
        }
        let errored = try StepFigures.of(canvasID: canvas.id, store: store)[index].errored
        let partner = CanvasConfirmations.sendingPartners([steps[index]])
        return .ask { Confirmation(title: "Retry the errored users of step \(index + 1)?",
                                 effect: "Retrying queues the \(errored.formatted()) errored user\(errored == 1 ? "" : "s") of step \(index + 1) of "
                                     + "“\(canvas.name)” again: they are sent\(partner.isEmpty ? "" : " to " + partner) within seconds, with a fresh "
                                     + "13-hour window.",
                                 details: ["Fix the cause first (reconnect, accept the terms, restore the audience), or they error again."],
                                 button: "Retry errored users", cancelPath: SiteRoute.canvas(canvasID).path, isDangerous: false) }
    }
}

/// Saves the step editor's form, or shows it again with each problem next to its field.
enum StepSave {
    static func handle(_ context: RequestContext, _ canvasID: Int64, _ stepID: Int64) throws -> Response {
        let steps = try context.app.store.steps(canvasID: canvasID)
        _ = try context.app.store.canvas(workspaceID: context.user.workspaceID, id: canvasID)
        guard let step = steps.first(where: { $0.id == stepID }) else { throw StoreError.notFound }
        let form = context.request.form
        let parsed: Result<StepKind, StepFormErrors>
        switch step.kind {
        case .delay: parsed = delay(form)
        case .audienceSync: parsed = try audienceSync(context, form, step: step, steps: steps)
        }
        switch parsed {
        case .success(let kind):
            try context.app.store.updateStep(workspaceID: context.user.workspaceID, canvasID: canvasID, stepID: stepID, kind: kind)
            return CanvasActions.back(canvasID)
        case .failure(let problems):
            return try StepEditorPage.render(context, canvasID, stepID, draft: problems.draft, errors: problems.byField, status: 422)
        }
    }

    private static func delay(_ form: FormValues) -> Result<StepKind, StepFormErrors> {
        switch DelayUnit.seconds(amount: form["amount"] ?? "", unit: form["unit"] ?? "") {
        case .success(let seconds): return .success(.delay(seconds: seconds))
        case .failure(let problem): return .failure(StepFormErrors(draft: nil, byField: [problem.field: problem.message]))
        }
    }

    private static func audienceSync(_ context: RequestContext, _ form: FormValues, step: CanvasStep,
                                     steps: [CanvasStep]) throws -> Result<StepKind, StepFormErrors> {
        var errors: [String: String] = [:]
        let destination = try StepFormParsing.destination(context, form["destination"] ?? "")
        if destination == nil { errors["destination"] = "Choose one of the ad accounts selected for this workspace." }
        if let destination, let reason = try StepFormParsing.unusable(context, destination) {
            errors["destination"] = "This ad account cannot receive users: \(reason)."
        }
        let audience = StepFormParsing.audience(form, step: step, steps: steps, errors: &errors)
        let action = AudienceAction(rawValue: form["action"] ?? "")
        if action == nil { errors["action"] = "Choose whether to add or remove users." }
        let offered = MatchField.offered(by: destination?.partner ?? .facebook)
        let fields = form.all("field").compactMap(MatchField.init(rawValue:)).filter(offered.contains)
        if fields.isEmpty { errors["fields"] = "Choose at least one field to match." }
        let config = AudienceSyncConfig(partner: destination?.partner, adAccountID: destination?.account, audience: audience,
                                        action: action ?? .add, fields: fields)
        return errors.isEmpty ? .success(.audienceSync(config)) : .failure(StepFormErrors(draft: .audienceSync(config), byField: errors))
    }
}

/// A refused step form: what was typed, and the problems by field.
struct StepFormErrors: Error {
    let draft: StepKind?
    let byField: [String: String]
}

/// Reading the Audience Sync form's fields.
enum StepFormParsing {
    /// `partner|account`, accepted only when it is one of the workspace's selected ad accounts.
    static func destination(_ context: RequestContext, _ value: String) throws -> (partner: PartnerID, account: String)? {
        let parts = value.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, let partner = PartnerID(rawValue: parts[0]),
              let connection = try PartnerSupport.connection(context, partner),
              try context.app.store.adAccounts(connectionID: connection.id).contains(where: { $0.externalID == parts[1] }) else { return nil }
        return (partner, parts[1])
    }

    /// Why a chosen destination cannot receive users, by the facts of its last check (launch asks the partner again).
    static func unusable(_ context: RequestContext, _ destination: (partner: PartnerID, account: String)) throws -> String? {
        guard let connection = try PartnerSupport.connection(context, destination.partner),
              let account = try context.app.store.adAccounts(connectionID: connection.id).first(where: { $0.externalID == destination.account }) else {
            return nil
        }
        return AccountUsability.reason(account, live: nil, partner: destination.partner)
    }

    /// The audience choice, with problems recorded under `audience` or `audience_name`.
    static func audience(_ form: FormValues, step: CanvasStep, steps: [CanvasStep], errors: inout [String: String]) -> AudienceChoice? {
        switch form["audience_mode"] {
        case "new":
            let name = (form["audience_name"] ?? "").trimmingCharacters(in: .whitespaces)
            if name.isEmpty { errors["audience_name"] = "Name the new audience." }
            if name.count > 200 { errors["audience_name"] = "Use at most 200 characters." }
            if let problem = TextRules.controlCharacterProblem(name) { errors["audience_name"] = problem }
            return .new(name: name, externalID: nil)
        case "existing":
            let parts = (form["existing_audience"] ?? "").split(separator: "|", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                errors["audience"] = "Choose one of the ad account's audiences."
                return nil
            }
            return .existing(externalID: parts[0], name: parts[1])
        case "from_step":
            let earlier = steps.filter { $0.position < step.position }
            guard let id = Int64(form["source_step"] ?? ""), let source = earlier.first(where: { $0.id == id }),
                  case .audienceSync(let origin) = source.kind, case .new = origin.audience else {
                errors["audience"] = "Choose a new audience that an earlier step of this canvas creates."
                return nil
            }
            return .fromStep(stepID: id)
        default:
            errors["audience"] = "Choose a new or existing audience."
            return nil
        }
    }
}
