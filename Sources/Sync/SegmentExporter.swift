import Core
import CrashPoints
import Foundation
import Logging
import Partners
import Storage
import Synchronization

/// Runs one-time segment exports to new Facebook custom audiences, in the background and across restarts.
///
/// Per audience (one per exported field): create it once (its description carries the export's marker, so a
/// restart finds it instead of creating a second), then walk the export's snapshot — profiles that met the
/// segment's criteria, up to the newest profile row at the start — in row order, 10,000 at a time. Users without
/// the field are counted and never sent. Each acknowledged batch moves the audience's cursor in the same
/// transaction as its counts, so a killed process resumes after the last acknowledged batch: only the batch in
/// flight at the crash can reach Facebook twice (adds are idempotent there). Calls share the ad account's budget
/// with canvases; throttling and transient failures wait for a later pass (up to the 13-hour deadline); a problem
/// someone must fix ends the export as failed. The starter is emailed when it ends, either way.
public final class SegmentExporter: Sendable {
    let store: Store
    let tokens: ConnectionTokens
    let connector: (any PartnerConnector)?
    let budget: CallBudget?
    let deadline: TimeInterval
    let baseURL: String
    let adsManagerURL: String
    let now: @Sendable () -> Date
    let logger: Logger
    /// Exports waiting out a `Retry-After` or a transient failure, until when.
    private let waitUntil = Mutex<[Int64: Date]>([:])

    /// Users per upload, Facebook's maximum.
    public static let maxBatch = 10_000
    /// Users per upload here (smaller in tests, to see batches and resumption).
    let batchSize: Int

    /// Creates the exporter; `adsManagerURL` has `{account}` for the numeric ad account id.
    public init(store: Store, tokens: ConnectionTokens, connector: (any PartnerConnector)?, budget: CallBudget?, deadline: TimeInterval,
                baseURL: String, adsManagerURL: String, now: @escaping @Sendable () -> Date, logger: Logger, batchSize: Int = maxBatch) {
        self.batchSize = min(max(1, batchSize), Self.maxBatch)
        self.store = store; self.tokens = tokens; self.connector = connector; self.budget = budget; self.deadline = deadline
        self.baseURL = baseURL; self.adsManagerURL = adsManagerURL; self.now = now; self.logger = logger
    }

    /// Whether some export is running or has removals due (cheap reads for the engine's pass).
    public func hasWork() -> Bool {
        ((try? store.runningExports()) ?? []).isEmpty == false || ((try? store.dueExportRemovals(now: now())) ?? []).isEmpty == false
    }

    /// Sends due removals from export audiences, then works on every running export, for up to `seconds` in all;
    /// returns how many users were handled.
    @discardableResult
    public func run(for seconds: TimeInterval) -> Int {
        let end = Date().addingTimeInterval(seconds)
        var handled = ExportRemovalSender(exporter: self).run(until: end)
        for export in (try? store.runningExports()) ?? [] {
            guard Date() < end else { break }
            if let until = waitUntil.withLock({ $0[export.id] }), until > now() { continue }
            do {
                handled += try work(on: export, until: end)
            } catch {
                logger.error("segment export \(export.id): \(error)")
            }
        }
        return handled
    }

    /// Why one pass over an export stopped early.
    private enum Pause: Error {
        case budget
        case wait(Date)
        case fail(String)
    }

    private func work(on export: SegmentExport, until end: Date) throws -> Int {
        var handled = 0
        do {
            let (connector, token) = try access(export)
            guard let criteria = try? EntryCriteria(jsonText: export.criteriaJSON) else { throw Pause.fail("The segment's filters could not be read.") }
            for audience in export.audiences where !audience.isComplete {
                let audienceID = try audience.audienceID ?? create(audience, of: export, connector, token)
                try send(audience, of: export, to: audienceID, criteria, connector, token, until: end, handled: &handled)
                guard Date() < end else { return handled }
            }
            try finish(export, status: .done, error: nil)
        } catch Pause.budget {
            return handled
        } catch Pause.wait(let until) {
            waitUntil.withLock { $0[export.id] = until }
        } catch Pause.fail(let message) {
            try finish(export, status: .failed, error: message)
        }
        return handled
    }

    /// The Facebook client and a token of the workspace's connection (a refresh where the partner has one).
    private func access(_ export: SegmentExport) throws -> (any PartnerConnector, String) {
        guard let connector else { throw Pause.fail("Facebook is not available in this installation.") }
        guard let connection = try store.connection(workspaceID: export.workspaceID, partner: .facebook) else {
            throw Pause.fail("Facebook is disconnected. Connect it on the Technology Partners page and export again.")
        }
        switch tokens.accessToken(connection) {
        case .success(let token): return (connector, token)
        case .failure(let problem): throw Pause.fail(problem.message)
        }
    }

    private func create(_ audience: ExportAudience, of export: SegmentExport, _ connector: any PartnerConnector, _ token: String) throws -> String {
        try reserve(export)
        let marker = "Created by AudienceSync for \(export.creationKey(audience.field))"
        let id = try partnerCall(export) { () throws(PartnerError) in
            let existing = try connector.audiences(account: export.adAccountID, token: token)
            return try IdempotentAudienceCreation.ensure(connector, account: export.adAccountID, name: audience.name, marker: marker,
                                                         existing: existing, token: token)
        }
        try store.recordExportAudience(exportID: export.id, field: audience.field, audienceID: id)
        return id
    }

    /// Sends the audience's remaining batches until the snapshot is done or time is up, counting users handled
    /// into `handled` as each batch is recorded (a pause part-way keeps the count of what was done).
    private func send(_ audience: ExportAudience, of export: SegmentExport, to audienceID: String, _ criteria: EntryCriteria,
                      _ connector: any PartnerConnector, _ token: String, until end: Date, handled: inout Int) throws {
        var cursor = audience.cursor
        let schema = audience.field.schema
        while Date() < end {
            let page = try store.profiles(workspaceID: export.workspaceID, matching: criteria, after: cursor, through: export.lastProfileRow,
                                          limit: batchSize, asOf: export.startedAt)
            guard let last = page.last?.rowID else {
                try store.recordExportBatch(exportID: export.id, field: audience.field, cursor: cursor, sent: 0, skipped: 0, failed: 0, complete: true)
                return
            }
            // The last gate: the policy as it is now, for each user as they are now (the page was just read).
            let policy = try store.consentPolicy(workspaceID: export.workspaceID)
            let consenting = page.filter { policy.blockingCondition(attributesJSON: $0.profile.attributesJSON) == nil }
            let rows = consenting.compactMap { audience.field.row(ProfileIdentifiers(externalID: $0.profile.externalID, attributesJSON: $0.profile.attributesJSON)) }
            let skipped = consenting.count - rows.count
            var failed = 0
            if !rows.isEmpty {
                try reserve(export)
                failed = try partnerCall(export) { () throws(PartnerError) in
                    try Self.upload(connector, audienceID: audienceID, schema: schema, rows: rows, token: token)
                }
            }
            CrashPoints.reach(.segmentExport)   // test-only: Facebook has the batch, the cursor has not moved
            try store.recordExportBatch(exportID: export.id, field: audience.field, cursor: last, sent: rows.count - failed, skipped: skipped,
                                        failed: failed, skippedNoConsent: page.count - consenting.count, complete: page.count < batchSize)
            handled += page.count
            cursor = last
            if page.count < batchSize { return }
        }
    }

    /// Adds `rows`; returns how many Facebook refused as invalid (those fail alone, the rest of the batch was taken).
    private static func upload(_ connector: any PartnerConnector, audienceID: String, schema: [String], rows: [[String]],
                               token: String) throws(PartnerError) -> Int {
        do {
            _ = try connector.upload(audienceID: audienceID, action: .add, schema: schema, rows: rows, token: token)
            return 0
        } catch {
            guard case .invalidData(let bad, _) = error, !bad.isEmpty else { throw error }
            return bad.count
        }
    }

    /// Takes one call from the ad account's budget, shared with canvases, or pauses until a later pass.
    private func reserve(_ export: SegmentExport) throws {
        guard let budget else { return }
        guard try store.reserveCall(partner: .facebook, account: export.adAccountID, budget: budget, now: now()) else { throw Pause.budget }
    }

    /// Runs a partner call, sorting its failure into waiting (throttled, transient; within the deadline) or failing.
    private func partnerCall<T>(_ export: SegmentExport, _ call: () throws(PartnerError) -> T) throws -> T {
        do {
            return try call()
        } catch {
            if case .authInvalid = error, let connection = try? store.connection(workspaceID: export.workspaceID, partner: .facebook) {
                tokens.refused(error, connectionID: connection.id)
            }
            let time = now()
            let pastDeadline = time.timeIntervalSince(export.startedAt) > deadline
            switch error {
            case .throttled(let retryAfter, _) where !pastDeadline: throw Pause.wait(time.addingTimeInterval(retryAfter ?? 60))
            case .transient where !pastDeadline: throw Pause.wait(time.addingTimeInterval(30))
            default: throw Pause.fail("Facebook said: \(error.message)")
            }
        }
    }

    private func finish(_ export: SegmentExport, status: ExportStatus, error: String?) throws {
        let finished = try store.export(workspaceID: export.workspaceID, id: export.id)
        let mail = try export.startedBy.flatMap { try store.user(id: $0) }.map { user in
            ExportMail.compose(finished, status: status, error: error, to: user.email, baseURL: baseURL, adsManagerURL: adsManagerURL)
        }
        try store.finishExport(exportID: export.id, workspaceID: export.workspaceID, status: status, error: error, mail: mail, now: now())
        waitUntil.withLock { $0[export.id] = nil }
        logger.notice("segment export \(export.id) \(status.rawValue)")
    }
}

extension ProfileIdentifiers {
    /// The identifiers of a stored profile's attributes JSON (none when it cannot be read).
    init(externalID: String, attributesJSON: String) {
        self.init(externalID: externalID, attributes: ProfileValue.parseObject(json: attributesJSON) ?? [:])
    }
}

/// The email that tells the starter how an export ended.
enum ExportMail {
    static func compose(_ export: SegmentExport, status: ExportStatus, error: String?, to recipient: String, baseURL: String,
                        adsManagerURL: String) -> QueuedMail {
        let account = export.adAccountID.hasPrefix("act_") ? String(export.adAccountID.dropFirst(4)) : export.adAccountID
        var blocks: [MailBody.Block] = [
            .paragraph(status == .done
                ? "Your export of the segment “\(export.segmentName)” to Facebook has finished."
                : "Your export of the segment “\(export.segmentName)” to Facebook stopped: \(error ?? "unknown problem")."),
            .list(export.audiences.map { audience in
                "\(audience.name) (\(audience.field.label)): \(audience.sent) sent, \(audience.skipped) skipped (no \(audience.field.label.lowercased())), "
                    + "\(audience.failed) failed"
            }),
            .link(label: "See the audiences in Facebook Ads Manager", url: adsManagerURL.replacingOccurrences(of: "{account}", with: account)),
        ]
        if let segment = export.segmentID {
            blocks.append(.link(label: "The export in AudienceSync", url: "\(baseURL)/segments/\(segment)/exports/\(export.id)"))
        }
        let subject = status == .done ? "Segment export finished: \(export.segmentName)" : "Segment export failed: \(export.segmentName)"
        return QueuedMail(recipient: recipient, subject: subject, body: MailBody(blocks))
    }
}
