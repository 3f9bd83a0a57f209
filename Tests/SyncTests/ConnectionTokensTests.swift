import Core
import Foundation
import Partners
import Storage
@testable import Sync
import Synchronization
import TestSupport
import Testing

/// A partner's token endpoint at the outermost edge: it hands out numbered tokens, rotates the refresh token on each
/// refresh, takes its time (so racing callers overlap), and can be told to refuse the refresh token.
final class RotatingTokenEndpoint: PartnerConnector {
    let refreshes = Mutex<[String]>([])
    let refuse = Mutex(false)
    var partner: PartnerID { .snapchat }
    var maxUsersPerRequest: Int { 10 }

    func refresh(refreshToken: String, now: Date) throws(PartnerError) -> PartnerToken {
        let number = refreshes.withLock { calls in
            calls.append(refreshToken)
            return calls.count
        }
        Thread.sleep(forTimeInterval: 0.05)
        if refuse.withLock({ $0 }) { throw .authInvalid(message: "snapchat: invalid_grant") }
        return PartnerToken(value: "access-\(number)", expiresAt: now.addingTimeInterval(1800), partnerUserName: nil,
                            refreshToken: "refresh-\(number)", refreshExpiresAt: nil)
    }

    func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String { "" }
    func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken {
        throw .permanent(message: "unused")
    }
    func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth { TokenHealth(isValid: true, expiresAt: nil, problem: nil) }
    func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount] { [] }
    func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience] { [] }
    func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String { "" }
    func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt {
        UploadReceipt(received: rows.count, invalid: 0)
    }
    func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize? { nil }
}

@Suite struct ConnectionTokensTests {
    let store: Store
    let box: TokenBox
    let endpoint = RotatingTokenEndpoint()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        store = try Store(path: ProjectPaths.temporaryDirectory("tokens") + "/t.sqlite")
        box = try TokenBox(keyBytes: Array(repeating: 7, count: 32))
    }

    /// A connection whose access token expires in `seconds`, with refresh token "refresh-0".
    func connection(expiringIn seconds: TimeInterval) throws -> Connection {
        let user = try store.createUser(workspaceName: "W", email: "a@example.com", passwordHash: "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", role: .admin, now: now)
        return try store.saveConnection(NewConnection(
            workspaceID: user.workspaceID, partner: .snapchat, tokenKind: .oauth,
            sealedToken: box.seal("access-0", context: Connection.tokenContext(workspaceID: user.workspaceID, partner: .snapchat)),
            expiresAt: now.addingTimeInterval(seconds), partnerUserName: nil, connectedBy: user.id,
            sealedRefreshToken: box.seal("refresh-0", context: Connection.refreshTokenContext(workspaceID: user.workspaceID, partner: .snapchat)),
            refreshExpiresAt: nil), now: now)
    }

    func tokens() -> ConnectionTokens {
        let now = now
        return ConnectionTokens(store: store, tokenBox: box, connectors: [.snapchat: endpoint], now: { now })
    }

    @Test func aFreshTokenIsUsedAsItIs() throws {
        let connection = try connection(expiringIn: 3600)
        #expect(try tokens().accessToken(connection).get() == "access-0")
        #expect(endpoint.refreshes.withLock { $0 }.isEmpty)
    }

    @Test func fiftyRacingCallersCauseOneRefreshAndTheRotatedRefreshTokenIsSaved() throws {
        let connection = try connection(expiringIn: 60)
        let tokens = tokens()
        let results = Mutex<[String]>([])
        let threads = (0..<50).map { _ in
            Thread { if case .success(let token) = tokens.accessToken(connection) { results.withLock { $0.append(token) } } }
        }
        threads.forEach { $0.start() }
        while results.withLock({ $0.count }) < 50 { Thread.sleep(forTimeInterval: 0.01) }
        #expect(endpoint.refreshes.withLock { $0 } == ["refresh-0"])
        #expect(results.withLock { $0 } == Array(repeating: "access-1", count: 50))
        let stored = try #require(try store.connection(id: connection.id))
        let refresh = try box.open(#require(stored.sealedRefreshToken),
                                   context: Connection.refreshTokenContext(workspaceID: stored.workspaceID, partner: .snapchat))
        #expect(refresh == "refresh-1")
        #expect(stored.expiresAt == now.addingTimeInterval(1800))
        // The next caller with the old row in hand uses the saved token and spends no refresh.
        #expect(try tokens.accessToken(connection).get() == "access-1")
        #expect(endpoint.refreshes.withLock { $0.count } == 1)
    }

    @Test func aRefusedRefreshTokenMarksTheConnectionInvalid() throws {
        let connection = try connection(expiringIn: 10)
        endpoint.refuse.withLock { $0 = true }
        guard case .failure(let problem) = tokens().accessToken(connection) else { Issue.record("expected a failure"); return }
        #expect(problem.errorClass == "auth_invalid")
        #expect(problem.message.contains("Reconnect Snapchat"))
        let stored = try #require(try store.connection(id: connection.id))
        #expect(stored.status == .invalid)
        // Nobody tries again with the refused refresh token until someone reconnects.
        #expect(tokens().accessToken(stored).isFailure)
        #expect(endpoint.refreshes.withLock { $0.count } == 1)
    }

    /// `rotate-key` re-sealed the row under a key this process started without: wait for a restart, mark nothing invalid.
    @Test func aTokenSealedUnderAKeyNotLoadedYetIsTransientNotInvalid() throws {
        let connection = try connection(expiringIn: 10)
        let rotated = try TokenBox(keyBytes: Array(repeating: 9, count: 32), oldKeys: [Array(repeating: 7, count: 32)])
        _ = try store.resealTokens { context, sealed in try? rotated.reseal(sealed, context: context) }
        let resealed = try #require(try store.connection(id: connection.id))
        for force in [false, true] {
            guard case .failure(let problem) = tokens().accessToken(resealed, force: force) else { Issue.record("expected a failure"); return }
            #expect(problem.errorClass == "transient")
            #expect(problem.message.contains("restart the app"))
        }
        #expect(try store.connection(id: connection.id)?.status == .valid)
        #expect(endpoint.refreshes.withLock { $0 }.isEmpty)
    }

    @Test func aForcedRefreshRenewsATokenThePartnerRefused() throws {
        let connection = try connection(expiringIn: 3600)
        #expect(try tokens().accessToken(connection, force: true).get() == "access-1")
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
}
