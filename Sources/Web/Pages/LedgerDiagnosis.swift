import Core
import Storage
import Sync

/// The ledger's "why not": for a user's stored profile, what each live canvas would do with them now — whether they
/// match its entry criteria, and at each Audience Sync step whether they would be sent, and if not, why (the consent
/// policy and which condition, no field to match, or an invalid value). Computed by the same walk that enters users.
enum LedgerDiagnosis {
    struct CanvasView {
        let canvas: String
        let path: String
        let verdict: String
        let steps: [StepView]
        let hasSteps: Bool
    }

    struct StepView {
        let title: String
        let verdict: String
        let verdictClass: String
    }

    static func of(_ context: RequestContext, profile: StoredProfile) throws -> [CanvasView] {
        let workspace = context.user.workspaceID
        let entries = CanvasEntries(store: context.app.store)
        return try context.app.store.canvases(workspaceID: workspace).filter { $0.status == .active }.map { canvas in
            let loaded = try entries.load(workspaceID: workspace, canvasID: canvas.id)
            let names = CanvasStepNames.newAudienceNames(loaded.steps)
            let path = SiteRoute.canvas(canvas.id).path
            let activity = try loaded.activityDays.map { days throws(StoreError) in
                try context.app.store.activityFacts(workspaceID: workspace, externalIDs: [profile.externalID], days: days, now: context.now)[profile.externalID]
            } ?? nil
            guard CanvasEntries.enter(loaded, externalID: profile.externalID, attributesJSON: profile.attributesJSON, activity: activity,
                                      now: context.now) != nil else {
                return CanvasView(canvas: canvas.name, path: path, verdict: "Does not match the entry criteria: does not enter.", steps: [], hasSteps: false)
            }
            let steps = loaded.steps.filter { !$0.kind.isDelay }.map { step in
                // Each step alone, so steps after a Delay are judged too.
                let alone = loaded.withPath([step])
                let walk = CanvasEntries.enter(alone, externalID: profile.externalID, attributesJSON: profile.attributesJSON, activity: activity,
                                               now: context.now)
                return StepView(title: "Step \(step.position + 1): \(step.title(audienceNames: names))",
                                verdict: verdict(walk, step: step), verdictClass: walk?.items.isEmpty == false ? "ok" : "muted")
            }
            return CanvasView(canvas: canvas.name, path: path, verdict: "Matches the entry criteria.", steps: steps, hasSteps: !steps.isEmpty)
        }
    }

    private static func verdict(_ walk: PathOutcome?, step: CanvasStep) -> String {
        guard let walk else { return "Not judged." }
        let stepID = step.id
        if let item = walk.items.first(where: { $0.stepID == stepID }) {
            // The match fields only: the columns a partner takes with every row (consent signals, Limited Data Use) come last.
            var partner: PartnerID?
            if case .audienceSync(let config) = step.kind { partner = config.partner }
            // The columns every row may carry (consent signals, Limited Data Use) are not fields the step matches on.
            let rules = partner.flatMap(IdentifierRulesCatalog.rules(for:))
            let always = Set(rules.map { rules in rules.alwaysSent.map { rules.schemaKey($0) } } ?? [])
            return "Would be sent: \(item.schema.filter { !always.contains($0) }.joined(separator: ", ")), prepared by the partner's rules."
        }
        if let block = walk.blocks.first(where: { $0.stepID == stepID }) { return "Not sent: blocked by the workspace consent policy (\(block.reason))." }
        let metrics = Set(walk.counts.filter { $0.stepID == stepID }.map(\.metric))
        if metrics.contains(.notSyncedInvalid) { return "Not sent: every value for the step's fields is invalid." }
        return "Not sent: no field to match (the user has none of the step's fields)."
    }
}
