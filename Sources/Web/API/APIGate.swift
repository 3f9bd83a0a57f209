import Core
import FastCGI
import Foundation

/// The REST API's front door: bearer-key authentication, JSON only, and JSON errors in Braze's shape
/// (`{"message","errors":[{"field","message"}]}`) for everything that goes wrong before a handler runs. Every answer
/// to an authenticated key carries its `X-RateLimit-Limit/-Remaining/-Reset`, as Braze's own answers do.
enum APIGate {
    static func respond(_ route: SiteRoute, method: String, _ context: RequestContext) -> Response {
        guard let entry = Routes.entry(for: route, method: method) else {
            return APIError.response(405, field: "method", message: "Use \(method == "GET" ? "POST" : "GET") for \(route.path).")
        }
        guard let key = context.request.bearerToken else {
            context.audit(.apiKeyRefused, detail: "\(method) \(route.path): no key")
            return APIError.response(401, field: "Authorization", message: "Send the workspace API key as `Authorization: Bearer <key>`.")
        }
        let keyHash = SecureToken.digest(key)
        let workspaceID: Int64?
        do {
            workspaceID = key.hasPrefix(APIKeyRules.prefix) && key.count <= 128
                ? try context.app.store.workspaceID(apiKeyHash: keyHash) : nil
        } catch {
            return APIError.unavailable(error, context)
        }
        guard let workspaceID else {
            context.audit(.apiKeyRefused, detail: "\(method) \(route.path): unknown or revoked key")
            return APIError.response(401, field: "Authorization", message: "This API key is not valid or was revoked.")
        }
        let rate = context.app.apiRateLimiter.take(keyHash: keyHash, at: context.now)
        var answer = authorized(route, method: method, entry: entry, workspaceID: workspaceID, rate: rate, context)
        if let standing = rate?.standing { answer.headers += APIError.rateLimitHeaders(standing) }
        return answer
    }

    /// The answer once the key is known: 429 when over its limit, else the queue, content-type checks and handler.
    private static func authorized(_ route: SiteRoute, method: String, entry: RouteEntry, workspaceID: Int64,
                                   rate: APIRateLimiter.Decision?, _ context: RequestContext) -> Response {
        if let wait = rate?.wait {
            return APIError.tooManyRequests(wait: wait, limit: context.app.apiRateLimiter.summary ?? "")
        }
        if route == .apiUsersTrack || route == .apiCanvasTrigger, let refusal = queueRefusal(context) { return refusal }
        guard method == "GET" || context.request.contentType == "application/json" else {
            return APIError.response(415, field: "Content-Type", message: "Send the body as application/json.")
        }
        let authorized = RequestContext(request: context.request, app: context.app, renderer: context.renderer, now: context.now,
                                        session: nil, apiWorkspaceID: workspaceID, secrets: context.secrets,
                                        requestID: context.requestID)
        do {
            return try entry.handle(authorized)
        } catch {
            return APIError.unavailable(error, context)
        }
    }
}

extension APIGate {
    /// The 503 that refuses new users while the sync queue is full (reliability.md L-2), or `nil` when there is room.
    static func queueRefusal(_ context: RequestContext) -> Response? {
        let limit = context.app.config.maxQueuedUsers
        guard limit > 0 else { return nil }
        do {
            let queued = try context.app.store.pendingItemCount()
            return queued >= limit ? APIError.queueFull(queued: queued, limit: limit) : nil
        } catch {
            return APIError.unavailable(error, context)
        }
    }
}

/// JSON error bodies.
enum APIError {
    /// `{"message","errors":[{"field","message"}]}` with `status`, and `Retry-After` when given. The top-level
    /// `message` is what Braze sends with every fatal error (its clients read it); `errors` says which field.
    static func response(_ status: Int, field: String, message: String, retryAfter: Int? = nil) -> Response {
        var answer = Response.json(APIErrors(message: message, errors: [FieldError(field: field, message: message)]), status: status)
        if let retryAfter { answer.headers.append(("Retry-After", String(retryAfter))) }
        return answer
    }

    /// 503 when the database cannot take the request (disk full, read-only, I/O error, locked); nothing of it was
    /// stored. `Retry-After` tells a client's retry loop when to come back instead of hammering a full disk.
    static func unavailable(_ error: any Error, _ context: RequestContext) -> Response {
        context.app.logger.error("api request failed: \(error)")
        return response(503, field: "", message: "AudienceSync cannot store data right now; nothing from this request was saved. Retry later.",
                        retryAfter: ErrorPages.retryAfterSeconds)
    }

    /// 429 for a key over its rate limit; nothing of the request was read or stored. `Retry-After` says when the
    /// key has room again.
    static func tooManyRequests(wait: TimeInterval, limit: String) -> Response {
        let seconds = APIRateLimit.retryAfterSeconds(wait)
        return response(429, field: "Authorization",
                        message: "This API key sent more than \(limit); nothing from this request was saved. Retry after \(seconds) s.",
                        retryAfter: seconds)
    }

    /// 503 while more users wait to sync than the installation takes (reliability.md L-2): refusing before anything is
    /// stored beats accepting users the queue cannot serve; the client retries once the partners have caught up.
    static func queueFull(queued: Int, limit: Int) -> Response {
        response(503, field: "", message: "AudienceSync has \(queued) users waiting to sync (the limit is \(limit)); "
                 + "nothing from this request was saved. Retry after \(queueFullRetryAfter) s.", retryAfter: queueFullRetryAfter)
    }

    /// `X-RateLimit-Limit` (the burst), `-Remaining` (requests the key may still send now) and `-Reset` (Unix seconds
    /// when the bucket is full again), the headers Braze clients read to pace themselves.
    static func rateLimitHeaders(_ standing: APIRateLimit.Standing) -> [(name: String, value: String)] {
        [("X-RateLimit-Limit", String(standing.limit)), ("X-RateLimit-Remaining", String(standing.remaining)),
         ("X-RateLimit-Reset", String(standing.reset))]
    }

    /// Seconds a client is asked to wait while the queue is full.
    static let queueFullRetryAfter = 30

    /// Decodes the body as JSON, or answers 400 naming the problem.
    static func decodeBody(_ context: RequestContext) -> Result<JSONValue, APIFailure> {
        guard let value = JSONValue.parse(context.request.body) else {
            return .failure(APIFailure(response: response(400, field: "body", message: "The body is not valid JSON.")))
        }
        return .success(value)
    }
}

/// A ready error response carried through `Result`.
struct APIFailure: Error {
    let response: Response
}

/// The error envelope: Braze's `message`, and the per-field detail.
struct APIErrors: Encodable {
    let message: String
    let errors: [FieldError]
}
