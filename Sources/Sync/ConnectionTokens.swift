import Core
import CrashPoints
import Foundation
import Partners
import Storage
import Synchronization

/// Opens a connection's access token, refreshing it first where the partner issues refresh tokens and the access
/// token is about to expire (or a partner just refused it).
///
/// One refresh at a time per connection: callers for the same connection wait on its lock, then find the token
/// another caller already refreshed. The new tokens are saved (refresh token included) before the access token is
/// handed out, so a crash right after a refresh never leaves only a spent refresh token in the database.
public final class ConnectionTokens: Sendable {
    /// Why no usable token could be had.
    public struct Problem: Error, Sendable {
        /// `auth_invalid` (a person must reconnect) or `transient` (the refresh could not reach the partner).
        public let errorClass: String
        /// What to tell the person, never containing a token.
        public let message: String
    }

    private let store: Store
    private let tokenBox: TokenBox
    private let connectors: [PartnerID: any PartnerConnector]
    private let now: @Sendable () -> Date
    /// Process-wide, so the dashboard's and the engine's instances never refresh the same connection at once.
    private static let locks = Mutex<[Int64: NSLock]>([:])
    /// Refresh this long before the access token expires.
    public static let margin: TimeInterval = 300

    /// Creates the token source.
    public init(store: Store, tokenBox: TokenBox, connectors: [PartnerID: any PartnerConnector], now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store; self.tokenBox = tokenBox; self.connectors = connectors; self.now = now
    }

    /// The access token to use for `connection`. `force` refreshes even a token that looks fresh (the partner
    /// just answered 401); without a refresh token that changes nothing.
    public func accessToken(_ connection: Connection, force: Bool = false) -> Result<String, Problem> {
        let name = PartnerInfo.of(connection.partner).displayName
        guard connection.sealedRefreshToken != nil, force || needsRefresh(connection) else { return open(connection, name) }
        let lock = Self.locks.withLock { locks in
            if let lock = locks[connection.id] { return lock }
            let lock = NSLock()
            locks[connection.id] = lock
            return lock
        }
        lock.lock()
        defer { lock.unlock() }
        // Another caller may have refreshed while this one waited: read the row again.
        guard let current = try? store.connection(id: connection.id) else {
            return .failure(Problem(errorClass: "auth_invalid", message: "\(name) is disconnected. Connect it again."))
        }
        guard current.status == .valid else {
            return .failure(Problem(errorClass: "auth_invalid", message: current.statusMessage ?? "The \(name) token is invalid. Reconnect \(name)."))
        }
        let refreshedMeanwhile = current.sealedToken != connection.sealedToken
        if refreshedMeanwhile || !(force || needsRefresh(current)) { return open(current, name) }
        return refresh(current, name)
    }

    private func needsRefresh(_ connection: Connection) -> Bool {
        guard let expiry = connection.expiresAt else { return false }
        return expiry.timeIntervalSince(now()) < Self.margin
    }

    private func open(_ connection: Connection, _ name: String) -> Result<String, Problem> {
        let context = Connection.tokenContext(workspaceID: connection.workspaceID, partner: connection.partner)
        do {
            return .success(try tokenBox.open(connection.sealedToken, context: context))
        } catch TokenBoxError.unknownKey {
            return .failure(Self.keyNotLoaded(name))
        } catch {
            return .failure(Problem(errorClass: "auth_invalid", message: "The stored \(name) token can no longer be read. Reconnect \(name)."))
        }
    }

    /// A token re-sealed by `rotate-key` after this process read its keys: the token is fine, the process must restart.
    /// Transient, so nothing is marked invalid and sends retry.
    private static func keyNotLoaded(_ name: String) -> Problem {
        Problem(errorClass: "transient", message: "The \(name) token is sealed under a key this process has not loaded yet: restart the app.")
    }

    private func refresh(_ connection: Connection, _ name: String) -> Result<String, Problem> {
        let refreshContext = Connection.refreshTokenContext(workspaceID: connection.workspaceID, partner: connection.partner)
        guard let sealedRefresh = connection.sealedRefreshToken, let connector = connectors[connection.partner] else {
            return invalidate(connection, "The stored \(name) refresh token can no longer be read. Reconnect \(name).")
        }
        let refreshToken: String
        do {
            refreshToken = try tokenBox.open(sealedRefresh, context: refreshContext)
        } catch TokenBoxError.unknownKey {
            return .failure(Self.keyNotLoaded(name))
        } catch {
            return invalidate(connection, "The stored \(name) refresh token can no longer be read. Reconnect \(name).")
        }
        let time = now()
        let token: PartnerToken
        do {
            token = try connector.refresh(refreshToken: refreshToken, now: time)
        } catch {
            if case .authInvalid = error {
                return invalidate(connection, "\(name) refused to renew the sign-in (\(error.message)). Reconnect \(name).")
            }
            return .failure(Problem(errorClass: error.isRetryable ? "transient" : error.className,
                                    message: "The \(name) sign-in could not be renewed: \(error.message)"))
        }
        CrashPoints.reach(.tokenRefresh)   // test-only: the partner issued new tokens, none is saved yet
        let context = Connection.tokenContext(workspaceID: connection.workspaceID, partner: connection.partner)
        let saved = try? store.saveRefreshedTokens(
            connectionID: connection.id, expectedSealedRefresh: sealedRefresh, sealedToken: tokenBox.seal(token.value, context: context),
            expiresAt: token.expiresAt, sealedRefreshToken: token.refreshToken.map { tokenBox.seal($0, context: refreshContext) },
            refreshExpiresAt: token.refreshExpiresAt, now: time)
        guard saved == true else {
            return .failure(Problem(errorClass: "transient", message: "The \(name) connection changed while its sign-in was renewed; trying again."))
        }
        return .success(token.value)
    }

    /// Stops every use of a connection once a partner call learned its token is refused (`authInvalid`): the
    /// connection is recorded invalid, and the other sends, removals, audience-size reads and checks — which each
    /// read the connection afresh before calling — make no further call with it until someone reconnects. Other
    /// errors leave the connection alone.
    public func refused(_ error: PartnerError, connectionID: Int64) {
        guard case .authInvalid = error else { return }
        try? store.recordConnectionHealth(connectionID: connectionID, status: .invalid, message: error.message, expiresAt: nil,
                                          partnerUserName: nil, now: now())
    }

    private func invalidate(_ connection: Connection, _ message: String) -> Result<String, Problem> {
        try? store.recordConnectionHealth(connectionID: connection.id, status: .invalid, message: message, expiresAt: nil,
                                          partnerUserName: nil, now: now())
        return .failure(Problem(errorClass: "auth_invalid", message: message))
    }
}
