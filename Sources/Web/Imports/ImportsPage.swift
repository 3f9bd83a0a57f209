import Core
import FastCGI
import Foundation
import Storage

/// `GET /settings/imports`: upload a CSV of profiles, and every import of the workspace with its progress.
enum ImportsPage {
    struct Content {
        let action: String
        let csrfToken: String
        let fileError: String?
        let maxSize: String
        let imports: [Row]
        let hasImports: Bool
    }

    struct Row {
        let path: String
        let filename: String
        let started: String
        let status: String
        let statusClass: String
        let percent: Int
        let counts: String
    }

    static func handle(_ context: RequestContext) throws -> Response {
        try render(context, fileError: nil, status: 200)
    }

    static func render(_ context: RequestContext, fileError: String?, status: Int) throws -> Response {
        let rows = try context.app.store.profileImports(workspaceID: context.user.workspaceID).map { job in
            Row(path: SiteRoute.profileImport(job.id).path, filename: job.filename, started: Formats.dateTime(job.startedAt),
                status: ImportWords.status(job.status), statusClass: ImportWords.statusClass(job.status),
                percent: ImportWords.percent(job), counts: ImportWords.counts(job))
        }
        let content = Content(action: SiteRoute.profileImports.path, csrfToken: context.session?.csrfToken ?? "", fileError: fileError,
                              maxSize: ImportWords.size(context.app.config.maxImportBytes), imports: rows, hasImports: !rows.isEmpty)
        return context.renderer.page("imports", shell: context.shell(title: "Import users", section: "settings"), content: content, status: status)
    }
}

/// `POST /settings/imports`: takes the uploaded CSV (spooled to disk by the server), checks its header row at
/// once — a bad file is refused next to the field and nothing is imported — and starts the import.
enum ImportStart {
    static func handle(_ context: RequestContext) throws -> Response {
        guard let file = context.request.multipart?.file, file.size > 0, !file.filename.isEmpty else {
            return try ImportsPage.render(context, fileError: "Choose a CSV file to upload.", status: 422)
        }
        let folder = context.app.config.importsDirectory
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stored = folder + "/import-\(UUID().uuidString).upload"
        try keep(file, of: context.request, at: stored)
        let header: [String]
        switch ImportHeader.read(path: stored, start: file.start, end: file.end) {
        case .success(let found): header = found.names
            let job = try context.app.store.startImport(workspaceID: context.user.workspaceID, filename: file.filename, path: stored, start: file.start,
                                                        end: file.end, dataStart: found.dataStart, header: header, startedBy: context.user.id,
                                                        now: context.now)
            return Response.redirect(to: SiteRoute.profileImport(job.id).path)
        case .failure(let problem):
            try? FileManager.default.removeItem(atPath: stored)
            return try ImportsPage.render(context, fileError: problem.message, status: 422)
        }
    }

    /// Moves the spooled body into the imports folder (a rename), or writes an in-memory body there.
    private static func keep(_ file: UploadedFile, of request: Request, at path: String) throws {
        if let spooled = file.path {
            try FileManager.default.moveItem(atPath: spooled, toPath: path)
        } else {
            FileManager.default.createFile(atPath: path, contents: Data(request.body))
        }
    }
}

/// The header row of an uploaded CSV: read from the start of its bytes, at most 1 MiB.
enum ImportHeader {
    static func read(path: String, start: Int, end: Int) -> Result<(names: [String], dataStart: Int), CSVProfiles.HeaderProblem> {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .failure(.init(message: "The upload could not be read.")) }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(start))
        let head = Array((try? handle.read(upToCount: min(1 << 20, end - start))) ?? Data())
        var parser = CSVRowParser(start: start)
        guard let rows = try? parser.feed(head[...], at: start) else { return .failure(.init(message: "The first row is longer than 1 MiB.")) }
        let first = rows.first ?? (head.count == end - start ? parser.finish(at: end) : nil)
        guard let first else { return .failure(.init(message: "The file is empty: the first row must name the columns, one of them external_id.")) }
        return CSVProfiles.header(first.fields).map { ($0, first.end) }
    }
}

/// Words shared by the import pages.
enum ImportWords {
    /// Whether the import's report lists anything: rejected rows, or rows stored without some bad cells (which do
    /// not count as rejected, so the count alone would hide the report).
    static func hasReport(_ job: ProfileImport) -> Bool {
        job.rowsRejected > 0 || job.rejectsBytes > CSVProfiles.reportHeader.utf8.count
    }

    static func status(_ status: String) -> String {
        switch status {
        case "done": "Finished"
        case "failed": "Failed"
        default: "Importing"
        }
    }

    static func statusClass(_ status: String) -> String {
        status == "done" ? "ok" : (status == "failed" ? "bad" : "muted")
    }

    /// How far through the file, in whole percent; a finished import is 100 whatever its last bytes were.
    static func percent(_ job: ProfileImport) -> Int {
        ProgressFigure.percent(Int((job.fraction * 10_000).rounded(.down)), of: 10_000, finished: job.status == "done")
    }

    /// The words beside the bar.
    static func progress(_ job: ProfileImport) -> String {
        ProgressFigure.text(percent: percent(job), "\(job.rowsRead.formatted()) rows read")
    }

    static func counts(_ job: ProfileImport) -> String {
        "\(job.rowsRead.formatted()) rows read · \(job.rowsImported.formatted()) imported · \(job.rowsRejected.formatted()) rejected"
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 30 ? "\(bytes >> 30) GiB" : "\(max(1, bytes >> 20)) MiB"
    }
}
