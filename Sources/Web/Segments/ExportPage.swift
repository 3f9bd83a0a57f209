import Core
import FastCGI
import Foundation
import Storage

/// `GET /segments/{id}/exports/{export}`: an export's progress, one bar per audience (users handled of the
/// segment's size at the start). `/static/export-progress.js` refreshes the bars from the progress JSON while it
/// runs; without JavaScript a reload shows the same figures.
enum ExportPage {
    struct Content {
        let segmentName: String
        let status: String
        let statusClass: String
        let isRunning: Bool
        let error: String?
        let account: String
        let started: String
        let total: Int
        let totalText: String
        let audiences: [Bar]
        let progressPath: String
        let backPath: String
    }

    struct Bar {
        let field: String
        let label: String
        let name: String
        let handled: Int
        let total: Int
        let figures: String
        let progress: String
    }

    static func handle(_ context: RequestContext, _ segmentID: Int64, _ id: Int64) throws -> Response {
        let export = try ExportLookup.find(context, segmentID, id)
        let content = Content(
            segmentName: export.segmentName, status: ExportLookup.statusLabel(export.status),
            statusClass: ExportLookup.statusClass(export.status), isRunning: export.status == .running,
            error: export.error, account: try SegmentPage.adAccountNames(context)[export.adAccountID].map { "\($0) (\(export.adAccountID))" } ?? export.adAccountID,
            started: Formats.dateTime(export.startedAt), total: export.total, totalText: export.total.formatted(),
            audiences: export.audiences.map { audience in
                Bar(field: audience.field.rawValue, label: audience.field.label, name: audience.name, handled: min(audience.handled, export.total),
                    total: max(export.total, 1), figures: ExportLookup.figures(audience, total: export.total),
                    progress: ExportLookup.progress(audience, total: export.total))
            },
            progressPath: SiteRoute.segmentExportProgress(segmentID, id).path, backPath: SiteRoute.segment(segmentID).path)
        return context.renderer.page("segment_export", shell: context.shell(title: "Export of \(export.segmentName)", section: "segments"),
                                     content: content)
    }
}

/// `GET /segments/{id}/exports/{export}/progress`: the same figures as JSON, for the progress bars.
enum ExportProgress {
    struct Body: Encodable {
        let status: String
        let label: String
        let error: String?
        let total: Int
        let audiences: [Audience]
        /// What `/static/progress.js` applies to the page.
        let statusClass: String
        let texts: [String: String]
        let hidden: [String: Bool]
        let bars: [ProgressBar]
    }

    struct Audience: Encodable {
        let field: String
        let name: String
        let sent: Int
        let skipped: Int
        let failed: Int
        let handled: Int
        let complete: Bool
        let figures: String
    }

    static func handle(_ context: RequestContext, _ segmentID: Int64, _ id: Int64) throws -> Response {
        let export = try ExportLookup.find(context, segmentID, id)
        let label = ExportLookup.statusLabel(export.status)
        var texts = ["export-status": label, "export-error": export.error ?? ""]
        for audience in export.audiences {
            texts["figures-\(audience.field.rawValue)"] = ExportLookup.figures(audience, total: export.total)
            texts["progress-\(audience.field.rawValue)-figure"] = ExportLookup.progress(audience, total: export.total)
        }
        let bars = export.audiences.map { ProgressBar(id: "progress-\($0.field.rawValue)", value: min($0.handled, export.total), max: max(export.total, 1)) }
        var response = Response.json(Body(status: export.status.rawValue, label: label, error: export.error,
                                          total: export.total, audiences: export.audiences.map { a in
                                              Audience(field: a.field.rawValue, name: a.name, sent: a.sent, skipped: a.skipped, failed: a.failed,
                                                       handled: a.handled, complete: a.isComplete, figures: ExportLookup.figures(a, total: export.total))
                                          },
                                          statusClass: ExportLookup.statusClass(export.status), texts: texts,
                                          hidden: ["export-error": export.error == nil, "export-hint": export.status != .running], bars: bars))
        response.headers.append(("Cache-Control", "no-store"))
        return response
    }
}

/// One `<progress>` element's new figures, for `/static/progress.js`.
struct ProgressBar: Encodable {
    let id: String
    let value: Int
    let max: Int
}

/// The words beside a progress bar (element id `<bar id>-figure`): the share done, then what it counts. A bar alone
/// does not say how far it got: a finished job must read "100 %", not look like a sliver.
enum ProgressFigure {
    /// `value` of `max` as a whole percentage, rounded down so that only a finished job reads 100; `finished`
    /// says 100 whatever the figures (an import's last bytes can be a trailing line break).
    static func percent(_ value: Int, of max: Int, finished: Bool) -> Int {
        finished ? 100 : (max > 0 ? Swift.min(100, value * 100 / max) : 0)
    }

    /// "100 % · 10,000 rows read".
    static func text(percent: Int, _ detail: String) -> String { "\(percent) % · \(detail)" }
}

/// Finding an export of the workspace under its segment's path, and its words.
enum ExportLookup {
    static func find(_ context: RequestContext, _ segmentID: Int64, _ id: Int64) throws -> SegmentExport {
        let export = try context.app.store.export(workspaceID: context.user.workspaceID, id: id)
        guard export.segmentID == segmentID else { throw StoreError.notFound }
        return export
    }

    static func statusClass(_ status: ExportStatus) -> String {
        status == .done ? "ok" : (status == .failed ? "bad" : "muted")
    }

    static func statusLabel(_ status: ExportStatus) -> String {
        switch status {
        case .running: "Running"
        case .done: "Finished"
        case .failed: "Failed"
        }
    }

    /// The words beside an audience's bar: "100 % · 1,234 of 1,234 users".
    static func progress(_ audience: ExportAudience, total: Int) -> String {
        let handled = min(audience.handled, total)
        return ProgressFigure.text(percent: ProgressFigure.percent(handled, of: total, finished: audience.isComplete),
                                   "\(handled.formatted()) of \(total.formatted()) users")
    }

    static func figures(_ audience: ExportAudience, total: Int) -> String {
        "\(audience.sent.formatted()) sent of \(total.formatted()) · \(audience.skipped.formatted()) skipped (no \(audience.field.label.lowercased()))"
            + (audience.skippedNoConsent > 0 ? " · \(audience.skippedNoConsent.formatted()) kept back by the consent policy" : "")
            + " · \(audience.failed.formatted()) failed"
    }
}
