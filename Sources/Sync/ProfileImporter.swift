import Core
import CrashPoints
import Foundation
import Logging
import Storage
import Synchronization

/// Imports uploaded CSVs of profiles in the background, streaming: the file is read 1 MiB at a time and parsed
/// row by row, never held whole. Each batch of rows is checked by the `/users/track` rules (leniently: a row with
/// a usable external id is stored with its valid cells); the stored ones are upserted in the same transaction that
/// moves the import's offset and counts, and the rejected rows and bad cells go to a report (line, external id,
/// reason) written before that commit. A restart resumes at the recorded offset and
/// cuts the report back to its recorded length, so no row is lost, repeated, or reported twice.
public final class ProfileImporter: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    let logger: Logger
    /// Rows per transaction.
    let batchSize: Int

    /// Creates the importer.
    public init(store: Store, now: @escaping @Sendable () -> Date, logger: Logger, batchSize: Int = 2_000) {
        self.store = store; self.now = now; self.logger = logger; self.batchSize = max(1, batchSize)
    }

    /// Whether some import is running.
    public func hasWork() -> Bool { ((try? store.runningImports()) ?? []).isEmpty == false }

    /// Works on running imports for up to `seconds` (and at most `maxBatches` batches each: tests stop part-way
    /// with it, as a crash would); returns how many rows were committed.
    @discardableResult
    public func run(for seconds: TimeInterval, maxBatches: Int = .max) -> Int {
        let end = Date().addingTimeInterval(seconds)
        var rows = 0
        for job in (try? store.runningImports()) ?? [] where Date() < end {
            do {
                rows += try work(on: job, until: end, maxBatches: maxBatches)
            } catch let problem as ImportFailure {
                try? store.finishImport(importID: job.id, failed: problem.message, now: now())
                logger.notice("import \(job.id) failed: \(problem.message)")
            } catch {
                logger.error("import \(job.id): \(error)")   // the database refused: try again on a later pass
            }
        }
        return rows
    }

    /// A problem with the file itself that ends the import.
    struct ImportFailure: Error { let message: String }

    private func work(on job: ProfileImport, until end: Date, maxBatches: Int) throws -> Int {
        guard let input = FileHandle(forReadingAtPath: job.path) else { throw ImportFailure(message: "The uploaded file is gone.") }
        defer { try? input.close() }
        let rejects = try RejectsReport(path: job.rejectsPath, keeping: job.rejectsBytes)
        defer { rejects.close() }
        try input.seek(toOffset: UInt64(job.offset))
        var parser = CSVRowParser(start: job.offset)
        var position = job.offset
        var line = job.nextLine
        var pending: [CSVRowParser.Row] = []
        var read = 0
        var batches = 0
        while Date() < end {
            let chunk = Array(try input.read(upToCount: min(1 << 20, job.end - position)) ?? Data())
            let atEnd = chunk.isEmpty || position + chunk.count >= job.end
            do {
                pending += try parser.feed(chunk[...], at: position)
            } catch {
                throw ImportFailure(message: "Line \(line + pending.count) is longer than 1 MiB: is a quote left open?")
            }
            position += chunk.count
            if atEnd, let last = parser.finish(at: position) { pending.append(last) }
            while pending.count >= batchSize || (atEnd && !pending.isEmpty) {
                guard batches < maxBatches else { return read }
                batches += 1
                let batch = Array(pending.prefix(batchSize))
                pending.removeFirst(batch.count)
                try commit(batch, of: job, line: line, rejects: rejects)
                line += batch.count
                read += batch.count
            }
            if atEnd {
                try store.finishImport(importID: job.id, failed: nil, now: now())
                try? FileManager.default.removeItem(atPath: job.path)   // the rows are in the database; the upload need not stay
                logger.notice("import \(job.id) done")
                return read
            }
            // Rows parsed but not yet committed are parsed again next time from the last committed offset.
        }
        return read
    }

    private func commit(_ rows: [CSVRowParser.Row], of job: ProfileImport, line first: Int, rejects: RejectsReport) throws {
        var updates: [ProfileUpdate] = []
        var rejected = 0
        let today = now()
        for (index, row) in rows.enumerated() {
            let line = first + index
            guard let object = CSVProfiles.object(row.fields, header: job.header) else {
                try rejects.add(line: line, externalID: row.fields.first ?? "",
                                reason: "This row has \(row.fields.count) cells; the header has \(job.header.count).")
                rejected += 1
                continue
            }
            let outcome = ProfileValidation.validate(.object(object), index: line, today: today)
            let externalID = object["external_id"]?.text ?? ""
            if let update = outcome.update {
                updates.append(update)
                // Lenient: the row is stored with its valid cells; the bad ones still go to the report.
                if !outcome.errors.isEmpty { try rejects.add(line: line, externalID: externalID, reason: CSVProfiles.partialReason(outcome.errors)) }
            } else {
                try rejects.add(line: line, externalID: externalID, reason: CSVProfiles.reason(outcome.errors))
                rejected += 1
            }
        }
        try rejects.flush()
        CrashPoints.reach(.csvImport)   // test-only: the report has the batch's rejects, the database not its rows
        try store.recordImportBatch(importID: job.id, workspaceID: job.workspaceID, updates, offset: rows.last?.end ?? job.offset,
                                    nextLine: first + rows.count, rejected: rejected, rejectsBytes: rejects.length, now: today)
    }
}

/// The rejected-rows report: a CSV of line, external_id and reason, appended as batches are checked.
final class RejectsReport {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var length: Int

    /// Opens the report, cut back to `keeping` bytes (what the last committed batch left), with its header when new.
    init(path: String, keeping: Int) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(keeping))
        try handle.seekToEnd()
        length = keeping
        if keeping == 0 { buffer += Array(CSVProfiles.reportHeader.utf8) }
    }

    func add(line: Int, externalID: String, reason: String) throws {
        buffer += Array("\(line),\(CSVField.encode(externalID)),\(CSVField.encode(reason))\r\n".utf8)
    }

    /// Writes what was added and forces it to disk, before the batch's commit.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        try handle.synchronize()
        length += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    func close() { try? handle.close() }
}
