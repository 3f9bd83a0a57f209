import Core
import FastCGI
import Storage

/// What a canvas's destructive or costly actions ask before they act: launch, stop, delete a draft, and entry
/// criteria edits (``CriteriaConfirmations``).
enum CanvasConfirmations {
    static func gate(_ context: RequestContext, _ id: Int64, _ action: CanvasAction) throws -> ConfirmGate {
        // Scoped to the workspace: another workspace's canvas answers 404 before anything is described.
        let canvas = try context.app.store.canvas(workspaceID: context.user.workspaceID, id: id)
        switch action {
        case .launch:
            guard canvas.status == .draft else { return .proceed }
            return .ask { try launch(context, canvas) }
        case .stop:
            guard canvas.status == .active else { return .proceed }
            return .ask { Confirmation(title: "Stop “\(canvas.name)”?",
                                     effect: "Stopping “\(canvas.name)” lets no new user enter it. Users already inside finish their path, "
                                         + "and syncs already queued are still sent.",
                                     button: "Stop canvas", cancelPath: SiteRoute.canvas(id).path) }
        case .delete:
            guard canvas.status == .draft else { return .proceed }
            let steps = try context.app.store.steps(canvasID: id).count
            return .ask { Confirmation(title: "Delete the draft “\(canvas.name)”?",
                                     effect: "Deleting “\(canvas.name)” removes it, its entry criteria and its \(steps) step\(steps == 1 ? "" : "s"). "
                                         + "It was never launched, so nothing was sent from it. This cannot be undone.",
                                     button: "Delete draft", cancelPath: SiteRoute.canvas(id).path) }
        case .addFilter, .removeFilter:
            return try CriteriaConfirmations.gate(context, canvas, adding: action == .addFilter)
        case .resume:
            guard canvas.status == .stopped else { return .proceed }
            return .ask { try resume(context, canvas) }
        case .autoEnter:
            // Turning automatic entry on for a launched canvas starts sending whoever /users/track makes match.
            guard canvas.status != .draft, !canvas.autoEnter, context.request.form["auto_enter"] == "on" else { return .proceed }
            return .ask { try autoEnter(context, canvas) }
        case .entryAction:
            // A launched canvas changes who enters it on what only after saying so; a refused form shows its message instead.
            let parsed = EntryAction.parse(kind: context.request.form["entry_action"] ?? "", name: context.request.form["entry_action_name"] ?? "")
            guard canvas.status != .draft, parsed.problem == nil, parsed.action != canvas.entryAction else { return .proceed }
            return .ask { try entryAction(context, canvas, parsed.action) }
        case .rename, .addStep:
            return .proceed
        }
    }

    private static func resume(_ context: RequestContext, _ canvas: Canvas) throws -> Confirmation {
        let partners = sendingPartners(try context.app.store.steps(canvasID: canvas.id))
        return Confirmation(title: "Resume “\(canvas.name)”?",
                            effect: "Resuming “\(canvas.name)” lets users who match its entry criteria enter again"
                                + (partners.isEmpty ? "." : " and be sent to \(partners)."),
                            details: ["Who may enter: \(criteriaSummary(context, canvas))."], button: "Resume canvas",
                            cancelPath: SiteRoute.canvas(canvas.id).path, isDangerous: false)
    }

    private static func autoEnter(_ context: RequestContext, _ canvas: Canvas) throws -> Confirmation {
        let partners = sendingPartners(try context.app.store.steps(canvasID: canvas.id))
        var details = ["Who may enter: \(criteriaSummary(context, canvas))."]
        if let count = try matchingNow(context, canvas) { details.append("\(count.formatted()) of the workspace's users match the entry criteria now.") }
        return Confirmation(title: "Enter users of “\(canvas.name)” automatically?",
                            effect: "With automatic entry on, every user whom /users/track makes match the entry criteria of the launched canvas "
                                + "“\(canvas.name)” enters it" + (partners.isEmpty ? "." : " and is sent to \(partners)."),
                            details: details, button: "Turn on automatic entry", cancelPath: SiteRoute.canvas(canvas.id).path, isDangerous: false)
    }

    private static func entryAction(_ context: RequestContext, _ canvas: Canvas, _ action: EntryAction?) throws -> Confirmation {
        let partners = sendingPartners(try context.app.store.steps(canvasID: canvas.id))
        let details = ["Who may enter: \(criteriaSummary(context, canvas)).", "The consent policy still applies to everyone who enters."]
        guard let action else {
            return Confirmation(title: "Stop action-based entry of “\(canvas.name)”?",
                                effect: "Users stop entering the launched canvas “\(canvas.name)” \(canvas.entryAction?.summary ?? "on an action"). "
                                    + "Users already inside finish their path.",
                                details: details, button: "Turn off action-based entry", cancelPath: SiteRoute.canvas(canvas.id).path, isDangerous: false)
        }
        return Confirmation(title: "Enter users of “\(canvas.name)” \(action.summary)?",
                            effect: "Every user who matches the entry criteria of the launched canvas “\(canvas.name)” enters it \(action.summary)"
                                + (partners.isEmpty ? "." : " and is sent to \(partners)."),
                            details: details, button: "Turn on action-based entry", cancelPath: SiteRoute.canvas(canvas.id).path, isDangerous: false)
    }

    /// "Launch creates 2 audiences at Facebook and starts sending", with who enters.
    private static func launch(_ context: RequestContext, _ canvas: Canvas) throws -> Confirmation {
        let steps = try context.app.store.steps(canvasID: canvas.id)
        var created: [String] = []
        for partner in PartnerID.allCases {
            let count = steps.filter { step in
                guard case .audienceSync(let config) = step.kind, config.partner == partner, case .new = config.audience else { return false }
                return true
            }.count
            if count > 0 { created.append("\(count) audience\(count == 1 ? "" : "s") at \(PartnerInfo.of(partner).displayName)") }
        }
        let partners = sendingPartners(steps)
        let creates = created.isEmpty ? "Launch creates no new audience" : "Launch creates " + created.joined(separator: " and ")
        let sends = partners.isEmpty ? "and starts the canvas." : "and starts sending users to \(partners)."
        var details = ["Who may enter: \(criteriaSummary(context, canvas))."]
        if let count = try matchingNow(context, canvas) { details.append("\(count.formatted()) of the workspace's users match the entry criteria now.") }
        details.append(canvas.autoEnter ? "Automatic entry is on: users enter as soon as /users/track makes them match."
                                        : "Users enter when they are sent to the canvas through the trigger API.")
        if let action = canvas.entryAction { details.append("Action-based entry is on: users enter \(action.summary).") }
        return Confirmation(title: "Launch “\(canvas.name)”?", effect: "\(creates) \(sends)", details: details, button: "Launch canvas",
                            cancelPath: SiteRoute.canvas(canvas.id).path, isDangerous: false)
    }
}

extension CanvasConfirmations {
    /// The partners a canvas's Audience Sync steps send to, in words: "Facebook and TikTok" (empty when none).
    static func sendingPartners(_ steps: [CanvasStep]) -> String {
        let names = PartnerID.allCases.filter { partner in
            steps.contains { step in
                if case .audienceSync(let config) = step.kind { return config.partner == partner }
                return false
            }
        }.map { PartnerInfo.of($0).displayName }
        guard let last = names.last else { return "" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " and " + last
    }

    /// The canvas's criteria in words, segments named.
    static func criteriaSummary(_ context: RequestContext, _ canvas: Canvas) -> String {
        guard let criteria = CriteriaStorage.decode(canvas.entryCriteriaJSON) else { return "nobody (the stored criteria cannot be read)" }
        return criteria.summary(segmentNames: (try? CanvasPage.segmentNames(context)) ?? [:])
    }

    /// How many profiles meet the canvas's criteria now, when that can be counted in one query (no segment filter).
    static func matchingNow(_ context: RequestContext, _ canvas: Canvas) throws -> Int? {
        guard let criteria = CriteriaStorage.decode(canvas.entryCriteriaJSON) else { return nil }
        return try count(context, criteria)
    }

    /// How many profiles meet `criteria` now; nil when it names a segment (the count query cannot evaluate those).
    static func count(_ context: RequestContext, _ criteria: EntryCriteria) throws -> Int? {
        guard criteria.segmentIDs.isEmpty else { return nil }
        return try context.app.store.countProfiles(workspaceID: context.user.workspaceID, matching: criteria, now: context.now)
    }
}
