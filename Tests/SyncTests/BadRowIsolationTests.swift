import Core
import Foundation
import Partners
import Storage
@testable import Sync
import Synchronization
import TestSupport
import Testing

/// A partner that refuses any batch holding a row marked "bad", like an API rejecting a whole call for one row.
final class PickyUploader: AudienceUploader {
    let calls = Mutex<[[String]]>([])
    var maxUsersPerRequest: Int { 10_000 }

    func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        calls.withLock { $0.append(rows.map { $0[0] }) }
        if rows.contains(where: { $0[0].hasPrefix("bad") }) { throw .invalidData(rows: [], message: "facebook: row is malformed") }
        return UploadReceipt(received: rows.count, invalid: 0)
    }

    func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? { nil }
}

@Suite struct BadRowIsolationTests {
    @Test func onlyTheBadRowsFailAndTheRestAreSynced() throws {
        let store = try Store(path: ProjectPaths.temporaryDirectory("sync") + "/s.sqlite")
        let engine = SyncEngine(store: store, tokenBox: try TokenBox(keyBytes: Array(repeating: 1, count: 32)), connectors: [:])
        let uploader = PickyUploader()
        let destination = SyncDestination(stepID: 1, partner: .facebook, account: "act_1", audienceID: "9", action: .add, connectionID: 1,
                                          connection: Self.connection, token: "t", uploader: uploader, policy: .standard)
        let now = Date()
        let values = (0..<16).map { $0 == 5 || $0 == 11 ? "bad\($0)" : "ok\($0)" }
        let items = values.enumerated().map { ClaimedItem(id: Int64($0.offset), externalID: "u\($0.offset)", schema: ["EMAIL"], row: [$0.element],
                                                          attempts: 1, firstAttemptAt: now) }
        var activity: [ActivityLine] = []
        let outcomes = engine.deliver(items, to: destination, activity: &activity)
        #expect(activity.count == uploader.calls.withLock { $0.count } && activity.filter { $0.outcome == "ok" }.count >= 2)
        let synced = outcomes.filter { $0.outcome == .synced }.flatMap(\.ids)
        let errored = outcomes.filter { if case .errored = $0.outcome { true } else { false } }.flatMap(\.ids)
        #expect(Set(errored) == [5, 11])
        #expect(Set(synced) == Set((0..<16).map(Int64.init)).subtracting([5, 11]))
        #expect(outcomes.allSatisfy { if case .errored(_, let message) = $0.outcome { message.contains("malformed") } else { true } })
        // Splitting is logarithmic, not one call per row.
        #expect(uploader.calls.withLock { $0.count } < 16)
    }
}

extension BadRowIsolationTests {
    /// A connection without a refresh token, as a destination carries it.
    static let connection = Connection(id: 1, workspaceID: 1, partner: .facebook, tokenKind: .oauth, sealedToken: [], expiresAt: nil,
                                       status: .valid, statusMessage: nil, partnerUserName: nil, connectedByUserID: nil,
                                       connectedAt: Date(), checkedAt: nil)
}
