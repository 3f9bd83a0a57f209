import Core
import FastCGI
import Foundation
import Sync

/// `POST /api/v1/users/track`: creates or updates user profiles and records their custom events and purchases
/// (Braze-compatible `{"attributes":[…],"events":[…],"purchases":[…]}`, any of the three).
///
/// Lenient and lossless: a user with a usable external id is stored with every valid attribute; bad attributes,
/// events and purchases are reported by array, index and field, and the answer is Braze's `"message": "success"`
/// with an `errors` array, so a Braze client sees a processed request. Only when nothing at all could be stored
/// is the answer a 400. It comes after everything accepted is committed, in one transaction.
enum UsersTrack {
    struct Answer: Encodable {
        let message: String
        let attributesProcessed: Int
        let eventsProcessed: Int
        let purchasesProcessed: Int
        /// Attributes objects whose user was stored (kept from before the Braze fields).
        let accepted: Int
        /// Attributes objects dropped whole.
        let rejected: Int
        let errors: [FieldError]

        enum CodingKeys: String, CodingKey {
            case message, accepted, rejected, errors
            case attributesProcessed = "attributes_processed", eventsProcessed = "events_processed", purchasesProcessed = "purchases_processed"
        }
    }

    /// The arrays a body may hold.
    static let arrays = ["attributes", "events", "purchases"]

    static func handle(_ context: RequestContext) throws -> Response {
        let body: [String: JSONValue]
        switch APIError.decodeBody(context) {
        case .success(.object(let value)): body = value
        case .success: return APIError.response(400, field: "body", message: "Send a JSON object.")
        case .failure(let failure): return failure.response
        }
        let lists: [String: [JSONValue]]
        switch arrays(of: body) {
        case .success(let value): lists = value
        case .failure(let failure): return failure.response
        }
        let parsed = TrackParsing(attributes: lists["attributes"] ?? [], events: lists["events"] ?? [], purchases: lists["purchases"] ?? [],
                                  today: context.now)
        guard parsed.storesAnything else {
            return Response.json(APIErrors(message: "Nothing was stored: every object has errors (see errors).", errors: parsed.errors), status: 400)
        }
        try store(parsed, context)
        let answer = Answer(message: "success", attributesProcessed: parsed.attributesStored, eventsProcessed: parsed.events.count,
                            purchasesProcessed: parsed.purchases.count, accepted: parsed.attributesStored, rejected: parsed.attributesDropped,
                            errors: parsed.errors)
        return Response.json(answer, status: 201)
    }

    /// The body's `attributes`, `events` and `purchases` arrays (absent or null ones left out), or the 4xx naming the
    /// one that is not an array or too long, or saying that nothing was sent.
    private static func arrays(of body: [String: JSONValue]) -> Result<[String: [JSONValue]], APIFailure> {
        var lists: [String: [JSONValue]] = [:]
        for name in arrays where body[name] != nil && body[name] != .null {
            guard let list = body[name]?.elements else {
                return .failure(APIFailure(response: APIError.response(400, field: name, message: "\(name) must be an array.")))
            }
            guard list.count <= ProfileValidation.maxObjectsPerRequest else {
                return .failure(APIFailure(response: APIError.response(413, field: name, message:
                    "At most \(ProfileValidation.maxObjectsPerRequest) objects per array; \(name) has \(list.count). Split it.")))
            }
            lists[name] = list
        }
        guard lists.values.contains(where: { !$0.isEmpty }) else {
            return .failure(APIFailure(response: APIError.response(400, field: "attributes",
                message: "Send {\"attributes\": [ {\"external_id\": …, …}, … ]}, and/or \"events\" or \"purchases\".")))
        }
        return .success(lists)
    }

    private static func store(_ parsed: TrackParsing, _ context: RequestContext) throws {
        let workspace = context.apiWorkspaceID!
        // Canvases that enter users on a change or an action are loaded before the transaction, which then decides
        // per user; their users' activity is loaded there once, only when some criteria read it.
        let canvases = try CanvasEntries(store: context.app.store).trackEntering(workspaceID: workspace)
        let now = context.now
        let prepared = PreparedValues(parsed.updates, for: canvases.map(\.steps))
        try context.app.store.track(workspaceID: workspace, updates: parsed.updates, events: parsed.events, purchases: parsed.purchases,
                                    now: now, activityDays: canvases.compactMap(\.activityDays).max()) { user in
            canvases.compactMap { loaded in
                if let outcome = CanvasEntries.enter(loaded, tracked: user, now: now, prepared: prepared) { return (loaded.canvas.id, outcome) }
                // Asked to enter by their event or purchase, but not matching: the canvas counts them as "did not match".
                return CanvasEntries.actionTriggered(loaded, tracked: user) ? (loaded.canvas.id, PathOutcome.notMatched) : nil
            }
        }
    }
}

/// `POST /api/v1/users/delete`: erases users by external id (`{"external_ids":[…]}`): they are removed from every
/// partner audience a step added them to, and nothing identifying them is kept (see `Store.erase`).
enum UsersDelete {
    struct Answer: Encodable {
        let message: String
        let deleted: Int
        let notFound: Int

        enum CodingKeys: String, CodingKey { case message, deleted, notFound = "not_found" }
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let body: JSONValue
        switch APIError.decodeBody(context) {
        case .success(let value): body = value
        case .failure(let failure): return failure.response
        }
        guard let raw = body.members?["external_ids"]?.elements, !raw.isEmpty else {
            return APIError.response(400, field: "external_ids", message: "Send {\"external_ids\": [\"…\", …]} with at least one id.")
        }
        guard raw.count <= ProfileValidation.maxObjectsPerRequest else {
            return APIError.response(413, field: "external_ids", message: "At most \(ProfileValidation.maxObjectsPerRequest) ids per request.")
        }
        let ids = raw.compactMap(\.text)
        guard ids.count == raw.count else {
            return APIError.response(400, field: "external_ids", message: "Every external id must be a string.")
        }
        let workspace = context.apiWorkspaceID!
        let deleted = try context.app.store.erase(workspaceID: workspace, externalIDs: ids, now: context.now) {
            Erasure.tombstone(context.app.tokenBox, workspaceID: workspace, externalID: $0)
        }
        return Response.json(Answer(message: "success", deleted: deleted, notFound: ids.count - deleted))
    }
}
