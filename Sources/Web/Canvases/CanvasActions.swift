import Core
import FastCGI
import Storage

/// The POST actions of a canvas page: rename, edit the entry criteria, add a step, launch, stop, resume, delete.
enum CanvasActions {
    static func handle(_ context: RequestContext, _ id: Int64, _ action: CanvasAction) throws -> Response {
        let workspace = context.user.workspaceID
        let store = context.app.store
        let form = context.request.form
        switch action {
        case .rename:
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            if let problem = Canvas.nameProblem(name) {
                return try CanvasPage.render(context, id, problems: [], filterError: nil, nameError: problem, status: 422)
            }
            try store.updateCanvas(workspaceID: workspace, id: id, name: name)
        case .addFilter, .removeFilter:
            return try CriteriaEdit.handle(context, id, adding: action == .addFilter)
        case .autoEnter:
            try store.updateCanvas(workspaceID: workspace, id: id, autoEnter: form["auto_enter"] == "on")
        case .entryAction:
            let parsed = EntryAction.parse(kind: form["entry_action"] ?? "", name: form["entry_action_name"] ?? "")
            if let problem = parsed.problem {
                return try CanvasPage.render(context, id, problems: [], filterError: nil, nameError: nil, entryActionError: problem, status: 422)
            }
            try store.setEntryAction(workspaceID: workspace, id: id, parsed.action)
        case .addStep:
            let kind: StepKind = form["kind"] == "delay"
                ? .delay(seconds: 3600)
                : .audienceSync(AudienceSyncConfig(partner: nil, adAccountID: nil, audience: nil, action: .add, fields: []))
            let step = try store.addStep(workspaceID: workspace, canvasID: id, kind: kind)
            return Response.redirect(to: SiteRoute.step(id, step.id).path)
        case .launch:
            return try CanvasLaunch.handle(context, id)
        case .stop, .resume:
            let canvas = try store.canvas(workspaceID: workspace, id: id)
            guard canvas.status != .draft else { return back(id) }
            try store.setCanvasStatus(workspaceID: workspace, id: id, status: action == .stop ? .stopped : .active, now: context.now)
        case .delete:
            try store.deleteDraftCanvas(workspaceID: workspace, id: id)
            return Response.redirect(to: SiteRoute.canvases.path)
        }
        return back(id)
    }

    static func back(_ id: Int64) -> Response { Response.redirect(to: SiteRoute.canvas(id).path) }
}

/// Adds or removes one entry-criteria filter.
enum CriteriaEdit {
    static func handle(_ context: RequestContext, _ id: Int64, adding: Bool) throws -> Response {
        let store = context.app.store
        let canvas = try store.canvas(workspaceID: context.user.workspaceID, id: id)
        // Unreadable criteria are replaced only by an explicit edit, starting from nothing.
        let criteria = CriteriaStorage.decode(canvas.entryCriteriaJSON) ?? EntryCriteria.everyone
        let form = context.request.form
        let updated: EntryCriteria
        if adding {
            guard let op = FilterOperator(rawValue: form["op"] ?? "") else {
                return try CanvasPage.render(context, id, problems: [], filterError: "Choose how to compare.", nameError: nil, status: 422)
            }
            let filter = AttributeFilter.edited(attribute: form["attribute"] ?? "", op: op, value: form["value"] ?? "")
            if let problem = try filter.problem() ?? segmentProblem(context, filter) {
                return try CanvasPage.render(context, id, problems: [], filterError: problem, nameError: nil, status: 422)
            }
            updated = criteria.adding(filter, toGroup: Int(form["group"] ?? ""))
            if updated.filterCount > EntryCriteria.maxFilters {
                return try CanvasPage.render(context, id, problems: [], filterError: "At most \(EntryCriteria.maxFilters) filters.", nameError: nil, status: 422)
            }
        } else {
            guard let group = Int(form["group"] ?? ""), let index = Int(form["filter"] ?? "") else { return CanvasActions.back(id) }
            updated = criteria.removing(group: group, filter: index)
        }
        try store.updateCanvas(workspaceID: context.user.workspaceID, id: id, entryCriteriaJSON: CriteriaStorage.encode(updated))
        // A live canvas is edited on its explicit edit view: stay there.
        return canvas.status == .draft ? CanvasActions.back(id) : Response.redirect(to: CanvasPage.Paths.editCriteria(id))
    }
}

extension CriteriaEdit {
    /// Why a segment filter cannot name its segment (it is not this workspace's, or is gone), or nil.
    static func segmentProblem(_ context: RequestContext, _ filter: AttributeFilter) throws -> String? {
        guard filter.op.isSegment, let id = filter.segmentID else { return nil }
        let found = try context.app.store.segmentCriteria(workspaceID: context.user.workspaceID, ids: [id])
        return found[id] == nil ? "That segment no longer exists; choose another." : nil
    }
}
