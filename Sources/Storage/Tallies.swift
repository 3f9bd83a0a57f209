import Foundation
import GRDB

/// Figures and new items of one transaction, added up in memory and written once per step at its end (a
/// 10,000-user request then writes a handful of counter rows and chunks instead of tens of thousands of rows).
struct Tallies {
    struct Figure: Hashable {
        let stepID: Int64
        let metric: String
    }

    /// Hourly figures to add, per step and figure.
    var figures: [Figure: Int] = [:]
    /// New pending items per step.
    var items: [Int64: Int] = [:]
    /// The new items themselves, per step and schema, written as chunks at the end.
    var chunks: [SyncChunks.Key: SyncChunks.Batch] = [:]
    /// Canvas entry figures to add (`canvas_entry_figure`): per canvas, `not_matched` and `blocked_by_consent`.
    var entryFigures: [CanvasFigure: Int] = [:]
    /// The workspace consent version the entries were decided under, kept by their chunks; 0 (unknown) makes the
    /// claim screen them.
    var consentVersion: Int64 = 0

    struct CanvasFigure: Hashable {
        let canvasID: Int64
        let figure: String
    }

    /// Writes the sums, in the caller's transaction.
    func commit(_ db: Database, now: Date) throws {
        for (figure, count) in figures {
            try Store.addMetric(db, stepID: figure.stepID, metric: figure.metric, count: count, now: now)
        }
        try SyncChunks.insert(db, chunks, consentVersion: consentVersion, now: now)
        for (step, count) in items { try Store.countItems(db, stepID: step, state: "pending", by: count) }
        for (key, count) in entryFigures where count > 0 {
            try db.cachedStatement(sql: """
                INSERT INTO canvas_entry_figure (canvas_id, figure, count) VALUES (?, ?, ?)
                ON CONFLICT (canvas_id, figure) DO UPDATE SET count = count + excluded.count
                """).execute(arguments: [key.canvasID, key.figure, count])
        }
    }
}
