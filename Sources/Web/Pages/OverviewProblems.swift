import Core
import Foundation
import Storage

/// One thing on the overview that needs someone's action, with the page where it is fixed.
struct OverviewProblem {
    let title: String
    let detail: String
    let fixLabel: String
    let fixPath: String
}

/// What needs action in a workspace: open alerts, connections whose token is invalid, ad accounts whose terms are
/// not accepted or that the token can no longer reach, and steps whose users wait on a problem.
///
/// An open alert already says what it is about, so a connection or step it covers is not listed twice.
enum OverviewProblems {
    static func of(_ context: RequestContext, connections: [Connection]) throws -> [OverviewProblem] {
        let store = context.app.store
        let open = try store.alerts(workspaceID: context.user.workspaceID).filter { $0.clearedAt == nil }.map(\.alert)
        var problems = open.map { alert in
            OverviewProblem(title: alert.title, detail: alert.detail, fixLabel: "Fix it", fixPath: alert.link)
        }
        for connection in connections {
            let name = PartnerInfo.of(connection.partner).displayName
            let page = SiteRoute.partner(connection.partner).path
            if connection.status != .valid, !open.contains(where: { $0.kind == .integration && $0.subjectID == connection.id }) {
                problems.append(OverviewProblem(title: "\(name): the connection is no longer valid",
                                                detail: connection.statusMessage ?? "\(name) refused the token. Nothing is sent until someone reconnects.",
                                                fixLabel: "Reconnect \(name)", fixPath: page))
            }
            for account in try store.adAccounts(connectionID: connection.id) {
                if account.termsAccepted == false {
                    problems.append(OverviewProblem(title: "\(name) ad account \(account.name): terms not accepted",
                                                    detail: "Users cannot be synced to this ad account until its custom-audience terms are accepted.",
                                                    fixLabel: "Accept the terms", fixPath: page))
                } else if !account.isAccessible {
                    problems.append(OverviewProblem(title: "\(name) ad account \(account.name): no longer reachable",
                                                    detail: "The token cannot reach this ad account any more. Check the account's access at \(name), then check the connection.",
                                                    fixLabel: "Check the connection", fixPath: page))
                } else if let fact = account.facts.blocking {
                    // The partner's own fact (disabled, cancelled, a viewer's role), as the partner page words it.
                    let noun = PartnerInfo.of(connection.partner).adAccountNoun
                    problems.append(OverviewProblem(title: "\(name) \(noun) \(account.name): cannot be synced to",
                                                    detail: AccountUsability.explain(fact, partner: connection.partner) + " Fix it at \(name), then check the connection.",
                                                    fixLabel: "Open \(name)", fixPath: page))
                }
            }
        }
        for stuck in try store.stuckSteps(workspaceID: context.user.workspaceID)
        where !open.contains(where: { $0.kind == .step && $0.subjectID == stuck.stepID && $0.errorClass == stuck.errorClass }) {
            problems.append(OverviewProblem(title: "Canvas \(stuck.canvasName): \(Formats.count(stuck.count)) user(s) waiting",
                                            detail: stuck.message.isEmpty ? stuck.errorClass.replacingOccurrences(of: "_", with: " ") : stuck.message,
                                            fixLabel: "Open the step", fixPath: SiteRoute.step(stuck.canvasID, stuck.stepID).path))
        }
        return problems
    }
}
