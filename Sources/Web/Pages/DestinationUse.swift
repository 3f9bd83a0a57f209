import Core
import Storage

/// Which launched canvases send to a partner, or to one of its ad accounts: what a disconnection or a removed
/// account stops, for the confirmation page to name.
enum DestinationUse {
    /// The names of the workspace's active or stopped canvases with an Audience Sync step to `partner` (and to
    /// `account` when given), quoted and in name order.
    static func launchedCanvases(_ context: RequestContext, partner: PartnerID, account: String? = nil) throws -> [String] {
        let store = context.app.store
        return try store.canvases(workspaceID: context.user.workspaceID).filter { $0.status != .draft }.filter { canvas in
            try store.steps(canvasID: canvas.id).contains { step in
                guard case .audienceSync(let config) = step.kind, config.partner == partner else { return false }
                return account == nil || config.adAccountID == account
            }
        }.map { "“\($0.name)”" }.sorted()
    }

    /// "Launched canvases that send to it stop sending: “A”, “B”.", or nil when none does.
    static func stoppedLine(_ canvases: [String], what: String) -> String? {
        canvases.isEmpty ? nil
            : "Launched canvases that send to \(what) can no longer sync — their users wait, unsent, until it is back: \(canvases.joined(separator: ", "))."
    }
}
