import Core
import FastCGI
import Foundation
import Storage

/// `GET /segments/{id}`: a segment's filters (the canvas criteria editor), its size counted now, a sample of
/// its users, and deletion.
enum SegmentPage {
    struct Content {
        let id: Int64
        let name: String
        let nameError: String?
        let criteria: CriteriaView
        let size: String
        let sizeDetail: String
        let sample: [SampleRow]
        let hasSample: Bool
        let deleteError: String?
        let exports: [ExportRow]
        let hasExports: Bool
        let paths: Paths
        let csrfToken: String
    }

    struct SampleRow {
        let externalID: String
        let email: String
        let country: String
        let updated: String
    }

    /// One line of the export history: where it went (the ad account, each audience with its Facebook id) beside
    /// what it sent.
    struct ExportRow {
        let path: String
        let started: String
        let by: String
        let fields: String
        let adAccount: String
        let audiences: [ExportAudienceCell]
        let counts: String
        let status: String
        let statusClass: String
    }

    /// One audience an export filled: its name and, once Facebook created it, its id there.
    struct ExportAudienceCell {
        let name: String
        let detail: String
    }

    struct Paths {
        let export: String
        let rename: String
        let addFilter: String
        let removeFilter: String
        let delete: String
        let list: String

        init(_ id: Int64) {
            export = SiteRoute.segmentExportForm(id).path
            rename = SiteRoute.segmentAction(id, .rename).path
            addFilter = SiteRoute.segmentAction(id, .addFilter).path
            removeFilter = SiteRoute.segmentAction(id, .removeFilter).path
            delete = SiteRoute.segmentAction(id, .delete).path
            list = SiteRoute.segments.path
        }
    }

    static func handle(_ context: RequestContext, _ id: Int64) throws -> Response {
        try render(context, id)
    }

    /// Renders the page; the errors belong to the rename, add-filter and delete forms.
    static func render(_ context: RequestContext, _ id: Int64, nameError: String? = nil, filterError: String? = nil,
                       deleteError: String? = nil, status: Int = 200) throws -> Response {
        let store = context.app.store
        let workspace = context.user.workspaceID
        let segment = try store.segment(workspaceID: workspace, id: id)
        let criteria = segment.criteria
        // Counted on every view: a segment is its filters applied to the profiles as they are now.
        let started = Date()
        let size = try criteria.map { criteria throws(StoreError) in try store.countProfiles(workspaceID: workspace, matching: criteria, now: context.now) } ?? 0
        let elapsed = Date().timeIntervalSince(started)
        let sample = try criteria.map { criteria throws(StoreError) in
            try store.profiles(workspaceID: workspace, matching: criteria, limit: Segment.sampleSize, now: context.now).map { SampleRow($0.profile) }
        } ?? []
        let accounts = try adAccountNames(context)
        let exports = try store.exports(workspaceID: workspace, segmentID: id).map { try exportRow($0, accounts: accounts, store: store) }
        let content = Content(
            id: id, name: segment.name, nameError: nameError,
            criteria: CriteriaView(criteria: criteria, error: filterError, errorOp: context.request.form["op"], who: "Who is in it:"),
            size: "\(size.formatted()) user\(size == 1 ? "" : "s")",
            sizeDetail: "counted just now in \(Int((elapsed * 1000).rounded())) ms, out of \(try store.profileCount(workspaceID: workspace).formatted())",
            sample: sample, hasSample: !sample.isEmpty, deleteError: deleteError, exports: exports, hasExports: !exports.isEmpty, paths: Paths(id), csrfToken: context.session?.csrfToken ?? "")
        return context.renderer.page("segment", shell: context.shell(title: segment.name, section: "segments"), content: content, status: status)
    }
}

extension SegmentPage {
    /// The names of the workspace's Facebook ad accounts by their id (`act_1001`), as at their last check; empty
    /// when Facebook is not connected.
    static func adAccountNames(_ context: RequestContext) throws -> [String: String] {
        guard let connection = try context.app.store.connection(workspaceID: context.user.workspaceID, partner: .facebook) else { return [:] }
        return Dictionary(try context.app.store.adAccounts(connectionID: connection.id).map { ($0.externalID, $0.name) }) { first, _ in first }
    }

    /// Who, when, where to (ad account and audiences), which fields, how many, and how it ended. An ad account no
    /// longer chosen (or a Facebook connection since removed) shows by its id alone.
    static func exportRow(_ export: SegmentExport, accounts: [String: String], store: Store) throws -> ExportRow {
        let by = try export.startedBy.flatMap { try store.user(id: $0) }?.email ?? "a removed user"
        let sent = export.audiences.map(\.sent).reduce(0, +)
        let skipped = export.audiences.map(\.skipped).reduce(0, +)
        let noConsent = export.audiences.map(\.skippedNoConsent).reduce(0, +)
        let failed = export.audiences.map(\.failed).reduce(0, +)
        return ExportRow(path: SiteRoute.segmentExport(export.segmentID ?? 0, export.id).path, started: Formats.dateTime(export.startedAt), by: by,
                         fields: export.audiences.map(\.field.label).joined(separator: ", "),
                         adAccount: accounts[export.adAccountID].map { "\($0) (\(export.adAccountID))" } ?? export.adAccountID,
                         audiences: export.audiences.map { audience in
                             ExportAudienceCell(name: audience.name,
                                                detail: audience.audienceID.map { "Facebook audience \($0)" } ?? "not created at Facebook")
                         },
                         counts: "\(sent.formatted()) sent, \(skipped.formatted()) skipped, "
                             + (noConsent > 0 ? "\(noConsent.formatted()) kept back (no consent), " : "") + "\(failed.formatted()) failed",
                         status: ExportLookup.statusLabel(export.status),
                         statusClass: ExportLookup.statusClass(export.status))
    }
}

extension SegmentPage.SampleRow {
    /// A sample line: the user's id, email and country as stored (missing ones empty).
    init(_ profile: StoredProfile) {
        let attributes = ProfileValue.parseObject(json: profile.attributesJSON) ?? [:]
        func text(_ name: String) -> String {
            if case .string(let value)? = attributes[name] { return value }
            return ""
        }
        self.init(externalID: profile.externalID, email: text("email"), country: text("country"), updated: Formats.dateTime(profile.updatedAt))
    }
}

extension Int {
    /// The number with thousands separators, as pages show counts (1,000,000).
    func formatted() -> String {
        let digits = String(magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (self < 0 ? "-" : "") + out
    }
}
