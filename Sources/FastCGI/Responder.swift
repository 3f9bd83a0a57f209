/// The seam between the transport and the application.
///
/// The FastCGI server calls `respond(to:)` once per request on one of its accept threads; tests call it
/// directly with a synthetic ``Request``, with no socket and no nginx. Implementations must be safe to call
/// from many threads at once and must never throw: every failure becomes a ``Response``.
public protocol Responder: Sendable {
    /// Answers one request. Called concurrently from the server's accept threads.
    func respond(to request: Request) -> Response
}
