import Core
import Foundation
import Storage
import TestSupport
import Testing

/// `Store.resealTokens`: every sealed value of every workspace goes through the closure in one transaction.
@Suite struct KeyRotationStoreTests {
    let store: Store
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let old: TokenBox
    let new: TokenBox

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("reseal") + "/test.sqlite")
        old = try TokenBox(keyBytes: Array(repeating: 1, count: 32))
        new = try TokenBox(keyBytes: Array(repeating: 2, count: 32), oldKeys: [Array(repeating: 1, count: 32)])
    }

    /// Two workspaces, one with access and refresh tokens, one with an access token only.
    private func connect() throws -> [Connection] {
        let a = try store.createUser(workspaceName: "A", email: "a@a.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        let b = try store.createUser(workspaceName: "B", email: "b@b.test", passwordHash: StoreTests.hash, role: .admin, now: now)
        return [
            try store.saveConnection(NewConnection(
                workspaceID: a.workspaceID, partner: .google, tokenKind: .oauth,
                sealedToken: old.seal("access-a", context: Connection.tokenContext(workspaceID: a.workspaceID, partner: .google)),
                expiresAt: nil, partnerUserName: nil, connectedBy: a.id,
                sealedRefreshToken: old.seal("refresh-a", context: Connection.refreshTokenContext(workspaceID: a.workspaceID, partner: .google))),
                now: now),
            try store.saveConnection(NewConnection(
                workspaceID: b.workspaceID, partner: .facebook, tokenKind: .systemUser,
                sealedToken: old.seal("access-b", context: Connection.tokenContext(workspaceID: b.workspaceID, partner: .facebook)),
                expiresAt: nil, partnerUserName: nil, connectedBy: b.id), now: now),
        ]
    }

    @Test func resealsEveryValueWithItsOwnContext() throws {
        let before = try connect()
        #expect(try store.sealedValues().count == 3)
        let summary = try store.resealTokens { context, sealed in try? new.reseal(sealed, context: context) }
        #expect(summary == ResealSummary(resealed: 3, leftAsIs: 0))
        let values = try store.sealedValues()
        #expect(values.count == 3)
        #expect(values.allSatisfy { TokenBox.keyID(of: $0.sealed) == new.currentKeyID })
        // The new key alone opens everything, each value in its own row's context.
        let newOnly = try TokenBox(keyBytes: Array(repeating: 2, count: 32))
        let google = try #require(try store.connection(id: before[0].id))
        let facebook = try #require(try store.connection(id: before[1].id))
        #expect(try newOnly.open(google.sealedToken, context: Connection.tokenContext(workspaceID: google.workspaceID, partner: .google)) == "access-a")
        #expect(try newOnly.open(try #require(google.sealedRefreshToken),
                                 context: Connection.refreshTokenContext(workspaceID: google.workspaceID, partner: .google)) == "refresh-a")
        #expect(try newOnly.open(facebook.sealedToken, context: Connection.tokenContext(workspaceID: facebook.workspaceID, partner: .facebook)) == "access-b")
        #expect(facebook.sealedRefreshToken == nil)
    }

    @Test func aDeclinedValueIsLeftAsItWas() throws {
        let before = try connect()
        let summary = try store.resealTokens { context, sealed in context.hasSuffix(":refresh") ? nil : try? new.reseal(sealed, context: context) }
        #expect(summary == ResealSummary(resealed: 2, leftAsIs: 1))
        #expect(try store.connection(id: before[0].id)?.sealedRefreshToken == before[0].sealedRefreshToken)
        #expect(try store.connection(id: before[0].id)?.sealedToken != before[0].sealedToken)
    }
}
