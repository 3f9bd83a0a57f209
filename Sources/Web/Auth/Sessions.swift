import Core
import FastCGI
import Foundation
import Storage
import Synchronization

/// Session cookies: a random id in the cookie, only its SHA-256 in the database.
enum Sessions {
    /// The cookie name; the `__Host-` prefix (Secure, path /, no domain) is only usable over HTTPS.
    static func cookieName(secure: Bool) -> String { secure ? "__Host-as_session" : "as_session" }

    /// Whether cookies must be marked Secure: the request came over HTTPS, or the public URL is HTTPS.
    static func isSecure(_ context: RequestContext) -> Bool { isSecure(context.request, context.app.config) }

    static func isSecure(_ request: Request, _ config: AppConfig) -> Bool {
        request.isHTTPS || config.baseURL.hasPrefix("https://")
    }

    /// The live session named by the request's cookie, or nil (missing, unknown, idle or too old).
    static func load(_ request: Request, store: Store, activity: SessionActivity, now: Date) throws -> SessionRecord? {
        let value = request.cookies[cookieName(secure: true)] ?? request.cookies[cookieName(secure: false)]
        guard let value, !value.isEmpty, value.count <= 128 else { return nil }
        let hash = SecureToken.digest(value)
        guard let record = try store.session(idHash: hash) else { return nil }
        let lastSeen = max(record.lastSeenAt, activity.lastSeen(hash) ?? record.lastSeenAt)
        guard SessionPolicy().isAlive(createdAt: record.createdAt, lastSeenAt: lastSeen, now: now) else { return nil }
        activity.record(hash, at: now)
        return record
    }

    /// Starts a new session for `user` (a fresh id: any session the browser had is ended) and returns its cookie.
    static func start(for user: DashboardUser, _ context: RequestContext) throws -> String {
        let id = SecureToken.make()
        let previous = context.request.cookies[cookieName(secure: isSecure(context))].map(SecureToken.digest)
        let idle = context.now.addingTimeInterval(-SessionPolicy().idleTimeout)
        let old = context.now.addingTimeInterval(-SessionPolicy().absoluteTimeout)
        try context.app.store.pruneSessions(idleBefore: idle, createdBefore: old,
                                            statesBefore: context.now.addingTimeInterval(-OAuthStatePolicy.lifetime))
        try context.app.store.startSession(idHash: SecureToken.digest(id), userID: user.id, csrfToken: SecureToken.make(),
                                           replacing: previous, now: context.now)
        return cookie(value: id, secure: isSecure(context), maxAge: Int(SessionPolicy().absoluteTimeout))
    }

    /// A `Set-Cookie` value that deletes the session cookie.
    static func clearing(_ context: RequestContext) -> String { cookie(value: "", secure: isSecure(context), maxAge: 0) }

    static func cookie(value: String, secure: Bool, maxAge: Int) -> String {
        "\(cookieName(secure: secure))=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}

/// Last activity per session, kept in memory so that page views (GETs) never write to the database.
///
/// The database's `last_seen_at` moves only on state-changing requests; after a restart the idle clock falls
/// back to it, so a session can only end sooner than its idle timeout, never later.
final class SessionActivity: Sendable {
    private let seen = Mutex<[String: Date]>([:])

    func lastSeen(_ hash: String) -> Date? { seen.withLock { $0[hash] } }

    func record(_ hash: String, at now: Date) {
        seen.withLock { map in
            map[hash] = now
            if map.count > 50_000 {
                let cutoff = now.addingTimeInterval(-SessionPolicy().idleTimeout)
                map = map.filter { $0.value > cutoff }
            }
        }
    }
}
