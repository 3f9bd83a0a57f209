import Core
import FastCGI
import Foundation
import Storage

/// `GET /overview`: the page after sign-in — what synced in the last 24 hours, what needs someone's action and
/// where to fix it, the partners' health, and the exports and imports running now.
enum OverviewPage {
    struct Content {
        let figures: [FigureView]
        let problems: [OverviewProblem]
        let hasProblems: Bool
        let connections: [ConnectionView]
        let hasConnections: Bool
        let running: [RunningView]
        let hasRunning: Bool
        /// Also on an empty workspace's page: its first CSV import is running before anything is connected.
        let showsRunning: Bool
        /// Nothing connected and no canvas: the page offers the first steps instead of zeros.
        let isEmpty: Bool
        let partnersPath: String
        let canvasesPath: String
    }

    struct FigureView {
        let id: String
        let label: String
        let value: String
        let note: String
        let sparklineHTML: String
    }

    struct ConnectionView {
        let name: String
        let state: String
        let stateClass: String
        let accounts: String
        let path: String
    }

    struct RunningView {
        let kind: String
        let name: String
        let percent: Int
        let path: String?
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let store = context.app.store, workspace = context.user.workspaceID
        let connections = try store.connections(workspaceID: workspace)
        let hasCanvases = !(try store.canvases(workspaceID: workspace).isEmpty)
        let problems = try OverviewProblems.of(context, connections: connections)
        let running = try running(context)
        let content = Content(
            figures: try figures(context), problems: problems, hasProblems: !problems.isEmpty,
            connections: try connectionViews(context, connections), hasConnections: !connections.isEmpty,
            running: running, hasRunning: !running.isEmpty, showsRunning: !running.isEmpty || !connections.isEmpty || hasCanvases,
            isEmpty: connections.isEmpty && !hasCanvases,
            partnersPath: SiteRoute.partners.path, canvasesPath: SiteRoute.canvases.path)
        return context.renderer.page("overview", shell: context.shell(title: "Overview", section: "overview"), content: content)
    }

    /// The four figures of the last 24 hours, each with its hourly line.
    static func figures(_ context: RequestContext) throws -> [FigureView] {
        let start = ChartRange.day.start(now: context.now)
        let activity = try context.app.store.workspaceActivity(workspaceID: context.user.workspaceID, start: start, hours: ChartRange.day.buckets)
        func figure(_ id: String, _ label: String, total: Int, note: String, hourly: [Int], what: String, color: String) -> FigureView {
            // The line's own words: Pending's line counts users queued per hour, not users waiting.
            let title = "\(what) per hour over the last 24 hours, oldest first: \(hourly.map(String.init).joined(separator: ", "))"
            return FigureView(id: id, label: label, value: Formats.count(total), note: note,
                              sparklineHTML: Sparkline.svg(hourly, title: title, color: color))
        }
        return [
            figure("synced", "Users synced", total: activity.synced.reduce(0, +), note: "last 24 hours", hourly: activity.synced,
                   what: "Users synced", color: "#1f7a4d"),
            figure("not-synced", "Users not synced", total: activity.notSynced.reduce(0, +), note: "last 24 hours — no field, invalid value or no consent",
                   hourly: activity.notSynced, what: "Users not synced", color: "#5d6475"),
            figure("pending", "Users pending", total: activity.pendingNow, note: "waiting now; the line shows users queued per hour",
                   hourly: activity.queued, what: "Users queued", color: "#2f5bd3"),
            figure("errored", "Users errored", total: activity.errored.reduce(0, +), note: "last 24 hours", hourly: activity.errored,
                   what: "Users errored", color: "#b3261e"),
        ]
    }

    /// One line per connected partner: its token's state, its ad accounts, a link to its page.
    static func connectionViews(_ context: RequestContext, _ connections: [Connection]) throws -> [ConnectionView] {
        try connections.map { connection in
            let accounts = try context.app.store.adAccounts(connectionID: connection.id)
            let unusable = accounts.filter { AccountUsability.reason($0, live: nil, partner: connection.partner) != nil }.count
            let healthy = connection.status == .valid && unusable == 0
            let state = connection.status != .valid ? "Needs attention: reconnect"
                : unusable > 0 ? "Connected — \(unusable) ad account(s) need attention" : "Connected"
            let count = accounts.isEmpty ? "No ad account chosen yet" : accounts.count == 1 ? "1 ad account" : "\(accounts.count) ad accounts"
            return ConnectionView(name: PartnerInfo.of(connection.partner).displayName, state: state, stateClass: healthy ? "ok" : "bad",
                                  accounts: count, path: SiteRoute.partner(connection.partner).path)
        }
    }

    /// Segment exports and CSV imports still running, with how far they are.
    static func running(_ context: RequestContext) throws -> [RunningView] {
        let store = context.app.store, workspace = context.user.workspaceID
        let exports = try store.runningExports(workspaceID: workspace).map { export in
            let planned = export.total * max(1, export.audiences.count)
            let handled = export.audiences.reduce(0) { $0 + $1.handled }
            return RunningView(kind: "Export to Facebook", name: export.segmentName,
                               percent: planned > 0 ? min(100, handled * 100 / planned) : 0,
                               path: export.segmentID.map { SiteRoute.segmentExport($0, export.id).path })
        }
        let imports = try store.runningImports(workspaceID: workspace).map { job in
            // The import pages are for admins: a member sees the import without a link that would refuse them.
            RunningView(kind: "CSV import", name: job.filename, percent: Int((job.fraction * 100).rounded(.down)),
                        path: context.user.role == .admin ? SiteRoute.profileImport(job.id).path : nil)
        }
        return exports + imports
    }
}
