import Core
import FastCGI
import Storage

/// `GET /ledger?external_id=…`: what AudienceSync sent about one user — when, where, which fields (by name,
/// never their values), and what the partner said.
enum LedgerPage {
    struct Content {
        let externalID: String
        let searched: Bool
        let lines: [Line]
        let hasLines: Bool
    }

    struct Line {
        let at: String
        let canvas: String
        let canvasPath: String
        let step: String
        let adAccount: String
        let fields: String
        let outcome: String
        let outcomeClass: String
        let message: String?
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let externalID = (context.request.query["external_id"] ?? "").trimmingCharacters(in: .whitespaces)
        var lines: [Line] = []
        if !externalID.isEmpty {
            var titles: [Int64: String] = [:]
            var accounts: [Int64: String] = [:]
            for line in try context.app.store.ledger(workspaceID: context.user.workspaceID, externalID: externalID) {
                if titles[line.stepID] == nil {
                    let steps = try context.app.store.steps(canvasID: line.canvasID)
                    let names = CanvasStepNames.newAudienceNames(steps)
                    for step in steps {
                        titles[step.id] = "Step \(step.position + 1): \(step.title(audienceNames: names))"
                        if case .audienceSync(let config) = step.kind { accounts[step.id] = config.adAccountID }
                    }
                }
                lines.append(Line(at: Formats.dateTime(line.at), canvas: line.canvasName, canvasPath: SiteRoute.canvas(line.canvasID).path,
                                  step: titles[line.stepID] ?? "a removed step", adAccount: accounts[line.stepID] ?? "", fields: line.fields.joined(separator: ", "),
                                  outcome: label(line.outcome), outcomeClass: line.outcome == "synced" ? "ok" : line.outcome == "errored" ? "bad" : "muted",
                                  message: line.message))
            }
        }
        let content = Content(externalID: externalID, searched: !externalID.isEmpty, lines: lines, hasLines: !lines.isEmpty)
        return context.renderer.page("ledger", shell: context.shell(title: "Sync ledger", section: "ledger"), content: content)
    }

    private static func label(_ outcome: String) -> String {
        switch outcome {
        case "synced": "Synced"
        case "retry": "Will retry"
        case "not_synced": "Not synced — no consent"
        case "removed": "Removed from the audience"
        case "removal_pending": "Removal pending"
        case "removal_errored": "Removal failed"
        default: "Errored"
        }
    }
}
