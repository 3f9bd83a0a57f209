import Core
import FastCGI
import Foundation
import Storage

/// `GET /segments`: the workspace's segments, what each says, how many users it had at its last count (taken in the
/// background: see `Store+SegmentSizes`), and a form to start one.
enum SegmentsPage {
    struct Content {
        let segments: [Row]
        let hasSegments: Bool
        let name: String
        let nameError: String?
        let action: String
        let csrfToken: String
    }

    struct Row {
        let name: String
        let path: String
        let summary: String
        /// "1,234 users", or "Counting…" until the engine has counted it since its filters last changed.
        let size: String
        /// "counted 5 minutes ago" (with the exact time in `countedAt`).
        let sizeDetail: String?
        let countedAt: String?
        let updated: String
    }

    static func handle(_ context: RequestContext) throws -> Response {
        try render(context, name: "", nameError: nil, status: 200)
    }

    static func render(_ context: RequestContext, name: String, nameError: String?, status: Int) throws -> Response {
        let rows = try context.app.store.segments(workspaceID: context.user.workspaceID).map { segment in
            Row(name: segment.name, path: SiteRoute.segment(segment.id).path,
                summary: segment.criteria?.summary ?? "Nobody: its filters cannot be read",
                size: segment.size.map { "\(Formats.count($0)) user\($0 == 1 ? "" : "s")" } ?? "Counting…",
                sizeDetail: segment.sizeCountedAt.map { context.now.timeIntervalSince($0) < 120 ? "counted just now" : "counted " + Formats.relative($0, now: context.now) },
                countedAt: segment.sizeCountedAt.map(Formats.dateTime), updated: Formats.date(segment.updatedAt))
        }
        let content = Content(segments: rows, hasSegments: !rows.isEmpty, name: name, nameError: nameError,
                              action: SiteRoute.segments.path, csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("segments", shell: context.shell(title: "Segments", section: "segments"), content: content, status: status)
    }
}

/// `POST /segments`: creates a segment (everyone, until filters are added) and opens it.
enum SegmentCreate {
    static func handle(_ context: RequestContext) throws -> Response {
        let name = (context.request.form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        if let problem = Segment.nameProblem(name) { return try SegmentsPage.render(context, name: name, nameError: problem, status: 422) }
        guard let segment = try SegmentNames.create(context, name: name) else {
            return try SegmentsPage.render(context, name: name, nameError: "A segment with this name already exists.", status: 422)
        }
        return Response.redirect(to: SiteRoute.segment(segment.id).path)
    }
}

/// Segment writes that can meet a taken name, answering nil/false for it (and throwing anything else).
enum SegmentNames {
    static func create(_ context: RequestContext, name: String) throws -> Segment? {
        do {
            return try context.app.store.createSegment(workspaceID: context.user.workspaceID, name: name, createdBy: context.user.id, now: context.now)
        } catch {
            if case .conflict = error { return nil }
            throw error
        }
    }

    static func rename(_ store: Store, _ workspace: Int64, _ id: Int64, to name: String, now: Date) throws -> Bool {
        do {
            try store.updateSegment(workspaceID: workspace, id: id, name: name, now: now)
            return true
        } catch {
            if case .conflict = error { return false }
            throw error
        }
    }
}
