import Core
import FastCGI
import Foundation
import Sync

/// `POST /api/v1/users/track`: creates or updates user profiles (Braze-compatible `{"attributes":[…]}`).
///
/// Each object is validated on its own: invalid ones are reported by index and skipped, valid ones are
/// stored. The answer comes only after the accepted profiles are committed.
enum UsersTrack {
    struct Answer: Encodable {
        let message: String
        let accepted: Int
        let rejected: Int
        let errors: [FieldError]
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let body: Any
        switch APIError.decodeBody(context) {
        case .success(let value): body = value
        case .failure(let failure): return failure.response
        }
        guard let objects = (body as? [String: Any])?["attributes"] as? [Any] else {
            return APIError.response(400, field: "attributes", message: "Send {\"attributes\": [ {\"external_id\": …, …}, … ]}.")
        }
        guard objects.count <= ProfileValidation.maxObjectsPerRequest else {
            return APIError.response(413, field: "attributes",
                                     message: "At most \(ProfileValidation.maxObjectsPerRequest) objects per request; this one has \(objects.count). Split it.")
        }
        var updates: [ProfileUpdate] = []
        var errors: [FieldError] = []
        for (index, object) in objects.enumerated() {
            switch ProfileValidation.validate(object, index: index, today: context.now) {
            case .valid(let update): updates.append(update)
            case .invalid(let problems): errors += problems
            }
        }
        let workspace = context.apiWorkspaceID!
        // Canvases that enter users automatically are loaded before the transaction, which then decides per user.
        let canvases = try CanvasEntries(store: context.app.store).autoEntering(workspaceID: workspace)
        let now = context.now
        try context.app.store.track(workspaceID: workspace, updates: updates, now: now) { externalID, before, after in
            canvases.compactMap { loaded in
                CanvasEntries.autoEnter(loaded, externalID: externalID, before: before, after: after, now: now).map { (loaded.canvas.id, $0) }
            }
        }
        let rejected = objects.count - updates.count
        let message = rejected == 0 ? "success" : (updates.isEmpty ? "nothing accepted" : "partial success")
        let status = updates.isEmpty && rejected > 0 ? 400 : 201
        return Response.json(Answer(message: message, accepted: updates.count, rejected: rejected, errors: errors), status: status)
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
        let body: Any
        switch APIError.decodeBody(context) {
        case .success(let value): body = value
        case .failure(let failure): return failure.response
        }
        guard let raw = (body as? [String: Any])?["external_ids"] as? [Any], !raw.isEmpty else {
            return APIError.response(400, field: "external_ids", message: "Send {\"external_ids\": [\"…\", …]} with at least one id.")
        }
        guard raw.count <= ProfileValidation.maxObjectsPerRequest else {
            return APIError.response(413, field: "external_ids", message: "At most \(ProfileValidation.maxObjectsPerRequest) ids per request.")
        }
        let ids = raw.compactMap { $0 as? String }
        guard ids.count == raw.count else {
            return APIError.response(400, field: "external_ids", message: "Every external id must be a string.")
        }
        let workspace = context.apiWorkspaceID!
        let deleted = try context.app.store.erase(workspaceID: workspace, externalIDs: ids, now: context.now) {
            Erasure.tombstone(context.app.tokenBox, workspaceID: workspace, externalID: $0)
        }
        // The erased rows' old page images are still in the WAL until it is emptied: empty it now (best effort — under
        // load a reader can hold it, and the store's own WAL restarts and journal size limit finish the job).
        if deleted > 0 { try? context.app.store.checkpoint() }
        return Response.json(Answer(message: "success", deleted: deleted, notFound: ids.count - deleted))
    }
}
