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
    func deliver(_ items: [ClaimedItem]) throws -> (outcomes: [(ids: [Int64], outcome: ItemOutcome)], calls: [(schema: [String], rows: [[String]])]) {
        let store = try Store(path: ProjectPaths.temporaryDirectory("sync") + "/s.sqlite")
        let engine = SyncEngine(store: store, tokenBox: try TokenBox(keyBytes: Array(repeating: 1, count: 32)), connectors: [:])
        let uploader = SchemaCheckingUploader()
        let destination = SyncDestination(stepID: 1, partner: .facebook, account: "act_1", audienceID: "9", action: .add, connectionID: 1,
                                          connection: BadRowIsolationTests.connection, token: "t", uploader: uploader, policy: .standard)
        var activity: [ActivityLine] = []
        let outcomes = engine.deliver(items, to: destination, activity: &activity)
        return (outcomes, uploader.calls.withLock { $0 }.map { ($0.schema, $0.rows) })
    }

    /// Rows without Limited Data Use leave DATA_PROCESSING_OPTIONS out (as did items queued before Facebook rows gained
    /// it); claimed with rows that carry it, they go in the same call, padded with "" by column name.
    @Test func rowsWithAndWithoutTheOptionalColumnGoInOneCallPaddedByName() throws {
        let now = Date()
        let items = (0..<6).map { n in
            ClaimedItem(id: Int64(n), externalID: "u\(n)", schema: n.isMultiple(of: 2) ? ["EMAIL"] : ["EMAIL", "DATA_PROCESSING_OPTIONS"],
                        row: n.isMultiple(of: 2) ? ["h\(n)"] : ["h\(n)", "LDU"], attempts: 1, firstAttemptAt: now)
        }
        let (outcomes, calls) = try deliver(items)
        #expect(Set(outcomes.filter { $0.outcome == .synced }.flatMap(\.ids)) == Set((0..<6).map(Int64.init)))
        #expect(calls.map(\.schema) == [["EMAIL", "DATA_PROCESSING_OPTIONS"]])
        #expect(calls.first?.rows == (0..<6).map { ["h\($0)", $0.isMultiple(of: 2) ? "" : "LDU"] })
    }

    /// Schemas that are not one within the other are never laid out as each other: each goes in calls of its own.
    @Test func schemasThatDoNotNestGoInCallsOfTheirOwn() throws {
        let now = Date()
        let items = (0..<4).map { n in
            ClaimedItem(id: Int64(n), externalID: "u\(n)", schema: n.isMultiple(of: 2) ? ["EMAIL"] : ["PHONE"], row: ["h\(n)"], attempts: 1,
                        firstAttemptAt: now)
        }
        let (outcomes, calls) = try deliver(items)
        #expect(Set(outcomes.filter { $0.outcome == .synced }.flatMap(\.ids)) == Set((0..<4).map(Int64.init)))
        #expect(calls.map(\.schema) == [["EMAIL"], ["PHONE"]])
        #expect(calls.map { $0.rows.map { $0[0] } } == [["h0", "h2"], ["h1", "h3"]])
    }
}
