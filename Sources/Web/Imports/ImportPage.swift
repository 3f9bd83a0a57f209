import Core
import FastCGI
import Foundation
import Storage

/// `GET /settings/imports/{id}`: one import's progress bar, counts and rejected-rows report.
enum ImportPage {
    struct Content {
        let filename: String
        let status: String
        let statusClass: String
        let isRunning: Bool
        let error: String?
        let started: String
        let percent: Int
        /// The words beside the bar: "100 % · 10,000 rows read".
        let progress: String
        let counts: String
        let columns: String
        let hasRejects: Bool
        let rejectsPath: String
        let progressPath: String
        let backPath: String
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        let job = try context.app.store.profileImport(workspaceID: context.user.workspaceID, id: id)
        let content = Content(filename: job.filename, status: ImportWords.status(job.status), statusClass: ImportWords.statusClass(job.status),
                              isRunning: job.status == "running", error: job.error, started: Formats.dateTime(job.startedAt),
                              percent: ImportWords.percent(job), progress: ImportWords.progress(job), counts: ImportWords.counts(job),
                              columns: job.header.filter { !$0.isEmpty }.joined(separator: ", "), hasRejects: ImportWords.hasReport(job),
                              rejectsPath: SiteRoute.profileImportRejects(id).path, progressPath: SiteRoute.profileImportProgress(id).path,
                              backPath: SiteRoute.profileImports.path)
        return context.renderer.page("import", shell: context.shell(title: "Import \(job.filename)", section: "settings"), content: content)
    }
}

/// `GET /settings/imports/{id}/progress`: the same figures as JSON for the progress bar.
enum ImportProgress {
    struct Body: Encodable {
        let status: String
        let label: String
        let error: String?
        let percent: Int
        let counts: String
        let rejected: Int
        /// What `/static/progress.js` applies to the page.
        let statusClass: String
        let texts: [String: String]
        let hidden: [String: Bool]
        let bars: [ProgressBar]
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        let job = try context.app.store.profileImport(workspaceID: context.user.workspaceID, id: id)
        let percent = ImportWords.percent(job)
        let label = ImportWords.status(job.status)
        var response = Response.json(Body(status: job.status, label: label, error: job.error, percent: percent, counts: ImportWords.counts(job),
                                          rejected: job.rowsRejected, statusClass: ImportWords.statusClass(job.status),
                                          texts: ["import-status": label, "import-counts": ImportWords.counts(job), "import-error": job.error ?? "",
                                                  "import-progress-figure": ImportWords.progress(job)],
                                          hidden: ["import-error": job.error == nil, "import-rejects": !ImportWords.hasReport(job), "import-hint": job.status != "running"],
                                          bars: [ProgressBar(id: "import-progress", value: percent, max: 100)]))
        response.headers.append(("Cache-Control", "no-store"))
        return response
    }
}

/// `GET /settings/imports/{id}/rejected.csv`: the rejected rows with their line and reason, as far as committed.
enum ImportRejects {
    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        let job = try context.app.store.profileImport(workspaceID: context.user.workspaceID, id: id)
        let handle = FileHandle(forReadingAtPath: job.rejectsPath)
        defer { try? handle?.close() }
        let bytes = Array((try? handle?.read(upToCount: job.rejectsBytes)) ?? nil ?? Data())
        var response = Response(status: 200, headers: [("Content-Type", "text/csv; charset=utf-8"),
                                                       ("Content-Disposition", "attachment; filename=\"rejected-rows-\(id).csv\""),
                                                       ("Cache-Control", "no-store")], body: bytes.isEmpty ? Array("line,external_id,reason\r\n".utf8) : bytes)
        response.headers.append(("X-Content-Type-Options", "nosniff"))
        return response
    }
}
