import Core
import FastCGI
import Foundation
import Storage
import Sync

/// `POST /api/v1/canvas/trigger/send`: enters users into an active canvas (Braze-compatible body
/// `{"canvas_id":"…","recipients":[{"external_user_id":"…","attributes":{…}}]}`). Attributes are upserted
/// first; users who match the entry criteria enter, the others are reported. Everything commits together.
enum CanvasTrigger {
    struct Answer: Encodable {
        let message: String
        let entered: Int
        let notEntered: [NotEntered]
        let errors: [FieldError]
        enum CodingKeys: String, CodingKey { case message, entered, notEntered = "not_entered", errors }
    }

    struct NotEntered: Encodable {
        let index: Int
        let externalUserID: String
        let reason: String
        enum CodingKeys: String, CodingKey { case index, externalUserID = "external_user_id", reason }
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let body: [String: JSONValue]
        switch APIError.decodeBody(context) {
        case .success(.object(let value)): body = value
        case .success: return APIError.response(400, field: "body", message: "Send a JSON object.")
        case .failure(let failure): return failure.response
        }
        guard let canvasID = canvasID(body["canvas_id"]) else {
            return APIError.response(400, field: "canvas_id", message: "Send the canvas id shown on the canvas page, as \"canvas_id\".")
        }
        guard let recipients = body["recipients"]?.elements, !recipients.isEmpty else {
            return APIError.response(400, field: "recipients", message: "Send at least one recipient: [{\"external_user_id\": \"…\"}].")
        }
        guard recipients.count <= ProfileValidation.maxObjectsPerRequest else {
            return APIError.response(413, field: "recipients", message: "At most \(ProfileValidation.maxObjectsPerRequest) recipients per request.")
        }
        let workspace = context.apiWorkspaceID!
        let loaded: CanvasEntries.Loaded
        switch Result(catching: { () throws(StoreError) in try CanvasEntries(store: context.app.store).load(workspaceID: workspace, canvasID: canvasID) }) {
        case .success(let value): loaded = value
        case .failure(.notFound): return APIError.response(404, field: "canvas_id", message: "No canvas \(canvasID) in this workspace.")
        case .failure(let error): throw error
        }
        guard loaded.canvas.status == .active else {
            return APIError.response(409, field: "canvas_id", message: "The canvas is \(loaded.canvas.status.rawValue): only an active canvas takes entries.")
        }
        return try enter(context, loaded, recipients: recipients)
    }

    private static func enter(_ context: RequestContext, _ loaded: CanvasEntries.Loaded, recipients: [JSONValue]) throws -> Response {
        let parsed = RecipientParsing.parse(recipients, today: context.now)
        let now = context.now
        let ids = parsed.valid.map(\.externalID)
        // Read before the transaction: a trigger records no events, so the activity cannot change inside it.
        let activity = try loaded.activityDays.map { days throws(StoreError) in
            try context.app.store.activityFacts(workspaceID: context.apiWorkspaceID!, externalIDs: ids, days: days, now: now)
        }
        let prepared = PreparedValues(parsed.updates, for: [loaded.steps])
        let results = try context.app.store.trigger(workspaceID: context.apiWorkspaceID!, canvasID: loaded.canvas.id, updates: parsed.updates,
                                                    externalIDs: ids, now: now, decidedUnder: loaded.policy) { externalID, json in
            json.flatMap { CanvasEntries.enter(loaded, externalID: externalID, attributesJSON: $0, activity: activity?[externalID], now: now,
                                               prepared: prepared) }
        }
        let notEntered = zip(parsed.valid, results).compactMap { recipient, result -> NotEntered? in
            switch result {
            case .entered: nil
            case .notMatched: NotEntered(index: recipient.index, externalUserID: recipient.externalID, reason: "does not match the entry criteria")
            case .unknownUser: NotEntered(index: recipient.index, externalUserID: recipient.externalID, reason: "unknown user: send attributes to create them")
            }
        }
        let entered = results.filter { $0 == .entered }.count
        // Braze's shape: "success" whenever the request was processed, per-recipient problems in `errors`; a 400
        // only when every recipient was refused, with a message naming it.
        let refusedAll = entered == 0 && !parsed.errors.isEmpty
        let message = refusedAll ? "No recipient entered the canvas (see errors and not_entered)." : "success"
        return Response.json(Answer(message: message, entered: entered, notEntered: notEntered, errors: parsed.errors),
                             status: refusedAll ? 400 : 201)
    }

    private static func canvasID(_ value: JSONValue?) -> Int64? {
        switch value {
        case .string(let text): Int64(text)
        case .integer(let number): number
        case .double(let number): Int64(exactly: number)
        default: nil
        }
    }
}

/// Reads trigger recipients: each needs an `external_user_id`; its `attributes` are validated like `/users/track`
/// (bad ones left out and reported, the recipient kept).
enum RecipientParsing {
    struct Recipient {
        let index: Int
        let externalID: String
    }

    struct Parsed {
        var valid: [Recipient] = []
        var updates: [ProfileUpdate] = []
        var errors: [FieldError] = []
    }

    static func parse(_ recipients: [JSONValue], today: Date) -> Parsed {
        var parsed = Parsed()
        for (index, item) in recipients.enumerated() {
            guard let object = item.members else {
                parsed.errors.append(FieldError(index: index, field: "external_user_id", message: "Each recipient needs an external_user_id (text)."))
                continue
            }
            let externalID: String
            switch ProfileValidation.checkedExternalID(object["external_user_id"], field: "external_user_id") {
            case .success(let id): externalID = id
            case .failure(let problem):
                parsed.errors.append(FieldError(index: index, field: "external_user_id", message: problem.message))
                continue
            }
            if let attributes = object["attributes"] {
                guard let fields = attributes.members else {
                    parsed.errors.append(FieldError(index: index, field: "attributes", message: "attributes must be a JSON object."))
                    continue
                }
                // Lenient, as /users/track: the recipient keeps their valid attributes and still enters.
                let outcome = ProfileValidation.validate(attributes: fields, of: externalID, index: index, today: today)
                parsed.errors += outcome.errors
                if let update = outcome.update { parsed.updates.append(update) }
            }
            parsed.valid.append(Recipient(index: index, externalID: externalID))
        }
        return parsed
    }
}
