import Core
import Foundation
import Partners
import Storage
@testable import Sync
import Synchronization
import TestSupport
import Testing

/// A partner that records each call's schema and refuses rows that do not fit it, as the Facebook client does.
final class SchemaCheckingUploader: AudienceUploader {
    let calls = Mutex<[(schema: [String], rows: [[String]])]>([])
    var maxUsersPerRequest: Int { 10_000 }

    func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        calls.withLock { $0.append((schema, rows)) }
        let bad = rows.indices.filter { rows[$0].count != schema.count }
        guard bad.isEmpty else { throw .invalidData(rows: bad, message: "rows do not match the schema") }
        return UploadReceipt(received: rows.count, invalid: 0)
    }

    func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? { nil }
}

@Suite struct MixedSchemaDeliveryTests {
    /// Items queued before Facebook rows gained DATA_PROCESSING_OPTIONS, claimed with items queued after: every one
    /// is synced, each in a call laid out as its own schema.
    @Test func itemsQueuedBeforeAndAfterASchemaGainedAColumnAreAllSynced() throws {
        let store = try Store(path: ProjectPaths.temporaryDirectory("sync") + "/s.sqlite")
        let engine = SyncEngine(store: store, tokenBox: try TokenBox(keyBytes: Array(repeating: 1, count: 32)), connectors: [:])
        let uploader = SchemaCheckingUploader()
        let destination = SyncDestination(stepID: 1, partner: .facebook, account: "act_1", audienceID: "9", action: .add, connectionID: 1,
                                          connection: BadRowIsolationTests.connection, token: "t", uploader: uploader, policy: .standard)
        let now = Date()
        let items = (0..<6).map { n in
            ClaimedItem(id: Int64(n), externalID: "u\(n)", schema: n.isMultiple(of: 2) ? ["EMAIL"] : ["EMAIL", "DATA_PROCESSING_OPTIONS"],
                        row: n.isMultiple(of: 2) ? ["h\(n)"] : ["h\(n)", "LDU"], attempts: 1, firstAttemptAt: now)
        }
        var activity: [ActivityLine] = []
        let outcomes = engine.deliver(items, to: destination, activity: &activity)
        #expect(Set(outcomes.filter { $0.outcome == .synced }.flatMap(\.ids)) == Set((0..<6).map(Int64.init)))
        let calls = uploader.calls.withLock { $0 }
        #expect(calls.map(\.schema) == [["EMAIL"], ["EMAIL", "DATA_PROCESSING_OPTIONS"]])
        #expect(calls.map { $0.rows.map { $0[0] } } == [["h0", "h2", "h4"], ["h1", "h3", "h5"]])
    }
}
