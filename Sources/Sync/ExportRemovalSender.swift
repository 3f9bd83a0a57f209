import Core
import Foundation
import Partners
import Storage

/// Sends removals from segment-export audiences — users who withdrew consent or were erased after an export sent them —
/// with Facebook's removal call, within the ad account's budget shared with canvases and exports. Claimed with a lease
/// and fenced like every queue item. A missing connection waits (`retryDelay`); a partner's refusal is decided by the
/// same `RetryPolicy` as every sync — throttled and transient calls retry with backoff, "audience too small" hourly
/// without a deadline, anything else within the 13-hour deadline before it is given up and counted errored.
struct ExportRemovalSender {
    let exporter: SegmentExporter

    /// How long a removal waits while Facebook is not connected.
    static let retryDelay: TimeInterval = 15 * 60
    /// The lease of a claim while its call is in flight (the call's own time-out is far shorter).
    static let lease: TimeInterval = 120

    /// Sends due removals until `end`; returns how many got an outcome.
    func run(until end: Date) -> Int {
        var handled = 0
        for target in (try? exporter.store.dueExportRemovals(now: exporter.now())) ?? [] {
            guard Date() < end else { break }
            do {
                handled += try send(target)
            } catch {
                exporter.logger.error("removals from export \(target.exportID): \(error)")
            }
        }
        return handled
    }

    private func send(_ target: Store.ExportRemovals) throws -> Int {
        let store = exporter.store
        let time = exporter.now()
        let claimID = UUID().uuidString
        let items = try store.claimExportRemovals(target, limit: exporter.batchSize, claimID: claimID, leaseUntil: time.addingTimeInterval(Self.lease),
                                                  now: time)
        guard !items.isEmpty else { return 0 }
        let outcome = deliver(items, to: target, at: time)
        let recorded = try store.finishRemovals(claimID: claimID, outcomes: [(items.map(\.id), outcome)], now: exporter.now())
        tell(outcome, count: items.count, target: target)
        return recorded
    }

    /// Removals given up on are an open problem of the export (alerted once, to whoever started it); a later batch
    /// that Facebook takes ends it.
    private func tell(_ outcome: ItemOutcome, count: Int, target: Store.ExportRemovals) {
        let time = exporter.now()
        do {
            switch outcome {
            case .synced:
                try exporter.store.clearAlerts(.export, subjectID: target.exportID, now: time)
            case .errored(let errorClass, let message):
                let export = try exporter.store.export(workspaceID: target.workspaceID, id: target.exportID)
                try exporter.store.raiseAlert(Alert(
                    kind: .export, workspaceID: target.workspaceID, subjectID: target.exportID, errorClass: "removal_errored",
                    title: "Export of “\(export.segmentName)”: people who withdrew consent or were erased could not be removed from Facebook",
                    detail: "Facebook refused to remove \(count) of them (\(errorClass)): \(message)\n\nThey may still be in the audience: "
                        + "remove them in Ads Manager, or delete the audience.",
                    link: exporter.baseURL + (export.segmentID.map { "/segments/\($0)/exports/\(target.exportID)" } ?? "/segments")), now: time)
            case .retry:
                break
            }
        } catch {
            exporter.logger.error("could not record the removal alert of export \(target.exportID): \(error)")
        }
    }

    private func deliver(_ items: [ClaimedItem], to target: Store.ExportRemovals, at time: Date) -> ItemOutcome {
        let later = time.addingTimeInterval(Self.retryDelay)
        guard let connector = exporter.connector,
              let connection = try? exporter.store.connection(workspaceID: target.workspaceID, partner: .facebook),
              case .success(let token) = exporter.tokens.accessToken(connection) else {
            return .retry(at: later, errorClass: "connection_missing", message: "Facebook is not connected: the removal waits for a connection.")
        }
        if let budget = exporter.budget,
           (try? exporter.store.reserveCall(partner: .facebook, account: target.adAccountID, budget: budget, now: time)) != true {
            return .retry(at: budget.nextSlotStart(time), errorClass: "throttled", message: "The ad account's call budget is used up.")
        }
        do {
            _ = try connector.upload(audienceID: target.audienceID, action: .remove, schema: items[0].schema, rows: items.map(\.row), token: token)
            return .synced
        } catch {
            exporter.tokens.refused(error, connectionID: connection.id)
            var policy = RetryPolicy()
            policy.deadline = exporter.deadline
            let decision = policy.decide(error, attempts: items.map(\.attempts).max() ?? 1, firstAttempt: items.map(\.firstAttemptAt).min() ?? time,
                                         now: time, jitter: Double.random(in: 0...1))
            switch decision {
            case .retry(let at): return .retry(at: at, errorClass: error.className, message: error.message)
            case .giveUp(let reason): return .errored(errorClass: error.className, message: reason)
            }
        }
    }
}
