import Core
import Foundation
import GRDB

extension Store {
    /// The canvas's steps in path order.
    public func steps(canvasID: Int64) throws(StoreError) -> [CanvasStep] {
        try read { db in try Self.fetchSteps(db, canvasID: canvasID) }
    }

    /// Appends a step to a draft canvas of the workspace and returns it.
    public func addStep(workspaceID: Int64, canvasID: Int64, kind: StepKind) throws(StoreError) -> CanvasStep {
        try write { db in
            try Self.requireDraft(db, workspaceID: workspaceID, canvasID: canvasID)
            let position = try Int.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(position) + 1, 0) FROM canvas_step WHERE canvas_id = ?"),
                                            arguments: [canvasID]) ?? 0
            try db.execute(sql: "INSERT INTO canvas_step (canvas_id, position, kind, delay_seconds, audience_creation_key) VALUES (?, ?, ?, ?, ?)",
                           arguments: [canvasID, position, Self.kindName(kind), Self.delay(kind), UUID().uuidString.lowercased()])
            let id = db.lastInsertedRowID
            try Self.writeConfig(db, stepID: id, kind: kind)
            return try Self.fetchSteps(db, canvasID: canvasID).first { $0.id == id }!
        }
    }

    /// Replaces a step's settings. A launched canvas may only change a Delay step's length (queued items
    /// must keep the destination they were queued for).
    public func updateStep(workspaceID: Int64, canvasID: Int64, stepID: Int64, kind: StepKind) throws(StoreError) {
        try write { db in
            let canvas = try Self.fetchCanvas(db, workspaceID: workspaceID, id: canvasID)
            guard let canvas, let current = try Self.fetchSteps(db, canvasID: canvasID).first(where: { $0.id == stepID }) else {
                throw StoreError.notFound
            }
            switch (canvas.status, current.kind, kind) {
            case (.draft, _, _):
                try Self.writeConfig(db, stepID: stepID, kind: kind)
            case (_, .delay, .delay(let seconds)):
                try db.execute(sql: "UPDATE canvas_step SET delay_seconds = ? WHERE id = ?", arguments: [seconds, stepID])
            default:
                throw StoreError.conflict("a launched canvas can only change the length of its delays")
            }
        }
    }

    /// Removes a step of a draft canvas and closes the gap in positions.
    public func removeStep(workspaceID: Int64, canvasID: Int64, stepID: Int64) throws(StoreError) {
        try write { db in
            try Self.requireDraft(db, workspaceID: workspaceID, canvasID: canvasID, holding: stepID)
            try db.execute(sql: "DELETE FROM canvas_step WHERE id = ? AND canvas_id = ?", arguments: [stepID, canvasID])
            if db.changesCount == 0 { throw StoreError.notFound }
            try Self.renumber(db, canvasID: canvasID, order: try Self.fetchSteps(db, canvasID: canvasID).map(\.id))
        }
    }

    /// Moves a step of a draft canvas one place up (-1) or down (+1).
    public func moveStep(workspaceID: Int64, canvasID: Int64, stepID: Int64, by offset: Int) throws(StoreError) {
        try write { db in
            try Self.requireDraft(db, workspaceID: workspaceID, canvasID: canvasID, holding: stepID)
            var order = try Self.fetchSteps(db, canvasID: canvasID).map(\.id)
            guard let index = order.firstIndex(of: stepID) else { throw StoreError.notFound }
            let target = index + offset
            guard order.indices.contains(target) else { return }
            order.swapAt(index, target)
            try Self.renumber(db, canvasID: canvasID, order: order)
        }
    }

    /// Records the id of the audience a step created at the partner, as soon as the partner answered.
    public func recordCreatedAudience(stepID: Int64, externalID: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE canvas_step SET audience_external_id = ? WHERE id = ? AND audience_mode = 'new'",
                           arguments: [externalID, stepID])
        }
    }

    /// The key a step's new audience is created with at the partner, so a retried launch finds it instead of
    /// creating a second one.
    public func audienceCreationKey(stepID: Int64) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT audience_creation_key FROM canvas_step WHERE id = ?"), arguments: [stepID]) }
    }

    /// Throws `notFound` unless the workspace has the canvas (and, with `stepID`, the canvas has that step), then
    /// `conflict` unless it is a draft. Existence is checked first so that someone else's step id gets the same 404
    /// whatever the state of the canvas named with it (no answer depends on another workspace's data).
    private static func requireDraft(_ db: Database, workspaceID: Int64, canvasID: Int64, holding stepID: Int64? = nil) throws {
        guard let canvas = try fetchCanvas(db, workspaceID: workspaceID, id: canvasID) else { throw StoreError.notFound }
        if let stepID, try !fetchSteps(db, canvasID: canvasID).contains(where: { $0.id == stepID }) { throw StoreError.notFound }
        guard canvas.status == .draft else { throw StoreError.conflict("steps of a launched canvas cannot be added, removed or reordered") }
    }

    private static func renumber(_ db: Database, canvasID: Int64, order: [Int64]) throws {
        for (position, id) in order.enumerated() {
            try db.execute(sql: "UPDATE canvas_step SET position = ? WHERE id = ? AND canvas_id = ?", arguments: [position, id, canvasID])
        }
    }

    private static func writeConfig(_ db: Database, stepID: Int64, kind: StepKind) throws {
        switch kind {
        case .delay(let seconds):
            try db.execute(sql: "UPDATE canvas_step SET kind = 'delay', delay_seconds = ? WHERE id = ?", arguments: [seconds, stepID])
        case .audienceSync(let config):
            let (mode, name, external, source) = audienceColumns(config.audience)
            let fields = "[" + config.fields.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
            try db.execute(sql: """
                UPDATE canvas_step SET kind = 'audience_sync', delay_seconds = NULL, partner = ?, ad_account_id = ?, audience_mode = ?,
                    audience_name = ?, audience_external_id = ?, audience_source_step = ?, action = ?, fields = ? WHERE id = ?
                """, arguments: [config.partner?.rawValue, config.adAccountID, mode, name, external, source, config.action.rawValue, fields, stepID])
        }
    }

    private static func audienceColumns(_ choice: AudienceChoice?) -> (String?, String?, String?, Int64?) {
        switch choice {
        case nil: (nil, nil, nil, nil)
        case .new(let name, let id): ("new", name, id, nil)
        case .existing(let id, let name): ("existing", name, id, nil)
        case .fromStep(let step): ("from_step", nil, nil, step)
        }
    }

    static func fetchSteps(_ db: Database, canvasID: Int64) throws -> [CanvasStep] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM canvas_step WHERE canvas_id = ? ORDER BY position, id"), arguments: [canvasID]).map(step(from:))
    }

    static func step(from row: Row) -> CanvasStep {
        let kind: StepKind
        if (row["kind"] as String) == "delay" {
            kind = .delay(seconds: row["delay_seconds"])
        } else {
            let fields = ((try? JSONSerialization.jsonObject(with: Data((row["fields"] as String).utf8))) as? [String] ?? [])
                .compactMap(MatchField.init(rawValue:))
            kind = .audienceSync(AudienceSyncConfig(
                partner: (row["partner"] as String?).flatMap(PartnerID.init(rawValue:)), adAccountID: row["ad_account_id"],
                audience: audience(from: row), action: AudienceAction(rawValue: row["action"]) ?? .add, fields: fields))
        }
        return CanvasStep(id: row["id"], canvasID: row["canvas_id"], position: row["position"], kind: kind)
    }

    private static func audience(from row: Row) -> AudienceChoice? {
        switch row["audience_mode"] as String? {
        case "new": .new(name: row["audience_name"] ?? "", externalID: row["audience_external_id"])
        case "existing": .existing(externalID: row["audience_external_id"] ?? "", name: row["audience_name"] ?? "")
        case "from_step": (row["audience_source_step"] as Int64?).map { .fromStep(stepID: $0) }
        default: nil
        }
    }

    private static func kindName(_ kind: StepKind) -> String {
        if case .delay = kind { return "delay" }
        return "audience_sync"
    }

    private static func delay(_ kind: StepKind) -> Int? {
        if case .delay(let seconds) = kind { return seconds }
        return nil
    }
}
