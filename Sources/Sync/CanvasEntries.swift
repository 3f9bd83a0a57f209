import Core
import Foundation
import Storage

/// Enters users into canvases: the one place that decides, for a user and a canvas, whether they enter and
/// what their walk along the path produces. The API handlers and the delay advancer call it; the store commits.
public struct CanvasEntries: Sendable {
    let store: Store

    /// Creates the entry logic over a store.
    public init(store: Store) { self.store = store }

    /// A launched canvas with everything needed to walk users through it, loaded once per request.
    public struct Loaded: Sendable {
        /// The canvas.
        public let canvas: Canvas
        /// Its entry criteria; nil when they cannot be read, and then nobody enters (fail closed).
        public let criteria: EntryCriteria?
        /// Its path.
        public let steps: [CanvasStep]
        /// The criteria of the segments its entry criteria name, by id (a deleted one is absent: nobody is in it).
        public var segments: [Int64: EntryCriteria] = [:]
        /// The workspace's consent policy: users who fail it enter and walk, but no step queues them.
        public var policy: ConsentPolicy = .standard

        /// How many days of a user's activity its criteria read, or nil when they read none (nothing to load).
        public var activityDays: Int? { criteria?.activityDays(segments: segments) }
    }

    /// Loads a canvas of the workspace for entering users.
    public func load(workspaceID: Int64, canvasID: Int64) throws(StoreError) -> Loaded {
        let canvas = try store.canvas(workspaceID: workspaceID, id: canvasID)
        let criteria = try? EntryCriteria(jsonText: canvas.entryCriteriaJSON)
        return Loaded(canvas: canvas, criteria: criteria, steps: try store.steps(canvasID: canvasID),
                      segments: try store.segmentCriteria(workspaceID: workspaceID, ids: criteria?.segmentIDs ?? []),
                      policy: try store.consentPolicy(workspaceID: workspaceID))
    }

    /// Every active canvas of the workspace that `/users/track` may enter users into: automatically on a change, or
    /// on an event or purchase (action-based entry).
    public func trackEntering(workspaceID: Int64) throws(StoreError) -> [Loaded] {
        try store.canvases(workspaceID: workspaceID).filter { $0.status == .active && ($0.autoEnter || $0.entryAction != nil) }
            .map { canvas throws(StoreError) in try load(workspaceID: workspaceID, canvasID: canvas.id) }
    }

    /// The walk of a user who enters now, or nil when they do not match (or the criteria cannot be read).
    ///
    /// `activity` is the user's events and purchases (see `Loaded.activityDays`); nil when not loaded, and then
    /// every activity filter is false.
    /// `prepared` holds identifier values already normalized and hashed outside the write transaction.
    public static func enter(_ loaded: Loaded, externalID: String, attributesJSON: String, activity: ActivityFacts?, now: Date,
                             prepared: PreparedValues = PreparedValues()) -> PathOutcome? {
        guard let criteria = loaded.criteria, let attributes = ProfileValue.parseObject(json: attributesJSON) else { return nil }
        var withID = attributes
        withID["external_id"] = .string(externalID)
        guard criteria.matches(withID, segments: loaded.segments, activity: activity) else { return nil }
        return PathWalk.walk(loaded.steps, from: 0, resuming: false, profile: ProfileIdentifiers(externalID: externalID, attributes: attributes),
                             blockedBy: loaded.policy.blockingCondition(attributes), now: now, prepared: prepared)
    }

    /// The walk of a user `/users/track` updated, or nil when they do not enter. They enter when this request
    /// recorded the canvas's entry action for them (an event or purchase) and they match the criteria after it; or,
    /// when the canvas enters automatically, when they match after the request and did not before (a change — of
    /// attributes or of activity — that "makes them match").
    public static func enter(_ loaded: Loaded, tracked user: TrackedUser, now: Date, prepared: PreparedValues = PreparedValues()) -> PathOutcome? {
        if let action = loaded.canvas.entryAction, action.isTriggered(events: user.events, purchases: user.purchases) {
            return enter(loaded, externalID: user.externalID, attributesJSON: user.after, activity: user.activityAfter, now: now, prepared: prepared)
        }
        guard loaded.canvas.autoEnter else { return nil }
        if let before = user.before, enter(loaded, externalID: user.externalID, attributesJSON: before, activity: user.activityBefore, now: now) != nil {
            return nil
        }
        return enter(loaded, externalID: user.externalID, attributesJSON: user.after, activity: user.activityAfter, now: now, prepared: prepared)
    }

    /// Whether this request recorded the canvas's entry action for the user (an event or purchase that asks them to
    /// enter): when they then do not enter, they count as "did not match".
    public static func actionTriggered(_ loaded: Loaded, tracked user: TrackedUser) -> Bool {
        loaded.canvas.entryAction?.isTriggered(events: user.events, purchases: user.purchases) == true
    }

    /// The walk of a user whose delay is over (nil attributes: the user was deleted meanwhile, and exits), under the
    /// workspace's consent policy as it is now.
    public static func resume(_ steps: [CanvasStep], _ entry: DueEntry, attributesJSON: String?, policy: ConsentPolicy, now: Date) -> PathOutcome {
        let attributes = attributesJSON.flatMap(ProfileValue.parseObject(json:))
        let profile = attributes.map { ProfileIdentifiers(externalID: entry.externalID, attributes: $0) }
        return PathWalk.walk(steps, from: entry.position, resuming: true, profile: profile,
                             blockedBy: attributes.flatMap(policy.blockingCondition), now: now)
    }
}

extension CanvasEntries.Loaded {
    /// The same canvas with only `steps` on its path (the ledger judges each step on its own).
    public func withPath(_ steps: [CanvasStep]) -> Self {
        Self(canvas: canvas, criteria: criteria, steps: steps, segments: segments, policy: policy)
    }
}
