import Core
import Foundation
import Storage
@testable import Sync
import TestSupport
import Testing

/// A sign-in that will end (a fixed-life refresh token, a non-renewable access token) is emailed about 14 days ahead,
/// once, and the warning ends only with a reconnect — not with the next successful call.
@Suite struct ExpiryWarningTests {
    let store: Store
    let box: TokenBox
    let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("expiry") + "/e.sqlite")
        box = try TokenBox(keyBytes: Array(repeating: 3, count: 32))
    }

    func connect(_ user: DashboardUser, refreshExpiresIn days: Double) throws -> Connection {
        let now = clock.now
        return try store.saveConnection(NewConnection(
            workspaceID: user.workspaceID, partner: .linkedin, tokenKind: .oauth,
            sealedToken: box.seal("a", context: Connection.tokenContext(workspaceID: user.workspaceID, partner: .linkedin)),
            expiresAt: now.addingTimeInterval(3600), partnerUserName: nil, connectedBy: user.id,
            sealedRefreshToken: box.seal("r", context: Connection.refreshTokenContext(workspaceID: user.workspaceID, partner: .linkedin)),
            refreshExpiresAt: now.addingTimeInterval(days * 86_400)), now: now)
    }

    @Test func warnedOnceAheadAndClearedByAReconnect() throws {
        let now = clock.now
        let user = try store.createUser(workspaceName: "W", email: "ann@example.com",
                                        passwordHash: "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", role: .admin, now: now)
        let connection = try connect(user, refreshExpiresIn: 20)
        let clock = clock
        let engine = SyncEngine(store: store, tokenBox: box, connectors: [:], now: { clock.now })
        _ = engine.flush(force: true)
        #expect(try store.outbox(workspaceID: user.workspaceID).isEmpty)      // 20 days left: nothing yet

        clock.advance(7 * 86_400)              // 13 days left
        _ = engine.flush(force: true)
        clock.advance(2 * 3600)
        _ = engine.flush(force: true)
        let mails = try store.outbox(workspaceID: user.workspaceID)
        #expect(mails.count == 1)
        #expect(mails.first?.recipient == "ann@example.com")
        #expect(mails.first?.subject.contains("the LinkedIn sign-in expires soon") == true)
        #expect(mails.first?.body.contains("Reconnect LinkedIn") == true)

        // A successful call does not end it; a reconnect does, with a "resolved" email.
        try store.clearAlerts(.integration, subjectID: connection.id, now: clock.now)
        #expect(try store.alerts(workspaceID: user.workspaceID).filter { $0.clearedAt == nil }.count == 1)
        _ = try connect(user, refreshExpiresIn: 365)
        #expect(try store.alerts(workspaceID: user.workspaceID).allSatisfy { $0.clearedAt != nil })
        #expect(try store.outbox(workspaceID: user.workspaceID).count == 2)
    }
}
