import Core
import FastCGI
import Storage

/// The POST actions of a segment page: rename, add or remove a filter, delete.
enum SegmentActions {
    static func handle(_ context: RequestContext, _ id: Int64, _ action: SegmentAction) throws -> Response {
        let store = context.app.store
        let workspace = context.user.workspaceID
        let form = context.request.form
        switch action {
        case .rename:
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
            if let problem = Segment.nameProblem(name) { return try SegmentPage.render(context, id, nameError: problem, status: 422) }
            if try !SegmentNames.rename(store, workspace, id, to: name, now: context.now) {
                return try SegmentPage.render(context, id, nameError: "A segment with this name already exists.", status: 422)
            }
        case .addFilter, .removeFilter:
            return try editFilters(context, id, adding: action == .addFilter)
        case .delete:
            switch try store.deleteSegment(workspaceID: workspace, id: id) {
            case .deleted: return Response.redirect(to: SiteRoute.segments.path)
            case .inUse(let canvases):
                let names = canvases.map { "“\($0)”" }.joined(separator: ", ")
                return try SegmentPage.render(context, id, deleteError: "Kept: the entry criteria of \(names) use this segment. Remove that filter first.",
                                              status: 409)
            }
        }
        return Response.redirect(to: SiteRoute.segment(id).path)
    }

    /// Removing a filter changes who is in the segment, and so who enters the live canvases that use it: asked first.
    static func gate(_ context: RequestContext, _ id: Int64, _ action: SegmentAction) throws -> ConfirmGate {
        let segment = try context.app.store.segment(workspaceID: context.user.workspaceID, id: id)
        if action == .delete { return try deletion(context, segment) }
        let form = context.request.form
        guard action == .removeFilter, let criteria = segment.criteria, let group = Int(form["group"] ?? ""), let index = Int(form["filter"] ?? ""),
              criteria.groups.indices.contains(group), criteria.groups[group].indices.contains(index) else { return .proceed }
        let filter = criteria.groups[group][index]
        let after = criteria.removing(group: group, filter: index)
        let store = context.app.store
        let now = try store.countProfiles(workspaceID: segment.workspaceID, matching: criteria, now: context.now)
        let later = try store.countProfiles(workspaceID: segment.workspaceID, matching: after, now: context.now)
        let canvases = try store.canvases(workspaceID: segment.workspaceID).filter {
            $0.status != .draft && CriteriaStorage.decode($0.entryCriteriaJSON)?.segmentIDs.contains(id) == true
        }.map { "“\($0.name)”" }
        var details = ["Who is in it after this: \(after.summary).", "\(now.formatted()) users are in it now; \(later.formatted()) would be after."]
        if !canvases.isEmpty {
            details.append("Launched canvases whose entry criteria use this segment apply the change to new entries at once: \(canvases.joined(separator: ", ")).")
        }
        return .ask { Confirmation(title: "Remove “\(filter.summary)” from “\(segment.name)”?",
                                 effect: "Removing “\(filter.summary)” from the segment “\(segment.name)” lets users who do not match it into the segment.",
                                 details: details, button: "Remove filter", cancelPath: SiteRoute.segment(id).path) }
    }

    /// Deleting a segment no canvas uses is asked first; one in use is refused by the handler, with the canvases named.
    private static func deletion(_ context: RequestContext, _ segment: Segment) throws -> ConfirmGate {
        let inUse = try context.app.store.canvases(workspaceID: segment.workspaceID).contains {
            CriteriaStorage.decode($0.entryCriteriaJSON)?.segmentIDs.contains(segment.id) == true
        }
        guard !inUse else { return .proceed }
        return .ask { Confirmation(title: "Delete the segment “\(segment.name)”?",
                                 effect: "Deleting “\(segment.name)” removes the segment and its filters. This cannot be undone; "
                                     + "audiences already exported from it stay at Facebook.",
                                 button: "Delete segment", cancelPath: SiteRoute.segment(segment.id).path) }
    }

    /// Adds or removes one filter; a segment's own filters test attributes only.
    private static func editFilters(_ context: RequestContext, _ id: Int64, adding: Bool) throws -> Response {
        let store = context.app.store
        let segment = try store.segment(workspaceID: context.user.workspaceID, id: id)
        // Unreadable criteria are replaced only by an explicit edit, starting from nothing.
        let criteria = segment.criteria ?? EntryCriteria.everyone
        let form = context.request.form
        let updated: EntryCriteria
        if adding {
            guard let op = FilterOperator(rawValue: form["op"] ?? ""), !op.isSegment else {
                return try SegmentPage.render(context, id, filterError: "Choose how to compare.", status: 422)
            }
            let filter = AttributeFilter.edited(attribute: form["attribute"] ?? "", op: op, value: form["value"] ?? "")
            if let problem = filter.problem() { return try SegmentPage.render(context, id, filterError: problem, status: 422) }
            updated = criteria.adding(filter, toGroup: Int(form["group"] ?? ""))
            if let problem = updated.segmentProblems().first {
                return try SegmentPage.render(context, id, filterError: problem.message, status: 422)
            }
        } else {
            guard let group = Int(form["group"] ?? ""), let index = Int(form["filter"] ?? "") else {
                return Response.redirect(to: SiteRoute.segment(id).path)
            }
            updated = criteria.removing(group: group, filter: index)
        }
        try store.updateSegment(workspaceID: context.user.workspaceID, id: id, criteriaJSON: CriteriaStorage.encode(updated), now: context.now)
        return Response.redirect(to: SiteRoute.segment(id).path)
    }
}
