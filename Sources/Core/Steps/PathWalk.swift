import Foundation

/// A per-step figure the canvas page and `data_summary` show.
public enum StepMetric: String, Sendable, CaseIterable, Codable {
    /// Users who reached the step.
    case entered
    /// Users who moved on to the next step.
    case proceeded
    /// Users who left the canvas after this step (it was the last).
    case exited
    /// Users for whom a sync item was queued (they count as Pending until the sync engine sends them).
    case queued
    /// Users who had none of the step's fields to match: nothing is sent (Users Not Synced).
    case notSyncedNoField = "not_synced_no_field"
    /// Users whose values for the step's fields were all unusable (an email without `@`, a phone without
    /// digits): nothing is sent (Users Not Synced, invalid value).
    case notSyncedInvalid = "not_synced_invalid"
    /// Users the workspace's consent policy keeps from every partner: nothing is sent (Users Not Synced, no consent).
    /// Counted when their walk reaches the step, or when a batch is claimed after they withdrew.
    case notSyncedNoConsent = "not_synced_no_consent"
    /// Users erased (`/users/delete`, Forget this person) while they waited to sync: nothing more is sent.
    case notSyncedErased = "not_synced_erased"

    /// The figures that make up Users Not Synced.
    public static let notSynced: [StepMetric] = [.notSyncedNoField, .notSyncedInvalid, .notSyncedNoConsent, .notSyncedErased]
}

/// A user the consent policy kept from a step: recorded for the ledger with the condition's reason.
public struct ConsentBlock: Sendable, Equatable {
    /// The step.
    public let stepID: Int64
    /// Why, naming the attribute ("ads_tracking_enabled is false").
    public let reason: String
    /// Creates a value.
    public init(stepID: Int64, reason: String) { self.stepID = stepID; self.reason = reason }
}

/// One figure to add to a step.
public struct StepCount: Sendable, Equatable {
    /// The step.
    public let stepID: Int64
    /// The figure.
    public let metric: StepMetric
    /// Creates a value.
    public init(stepID: Int64, metric: StepMetric) { self.stepID = stepID; self.metric = metric }
}

/// What an Audience Sync step queues for one user: only the chosen fields, normalized and hashed.
public struct SyncItemDraft: Sendable, Equatable {
    /// The step.
    public let stepID: Int64
    /// The partner's schema keys, in row order (`["EMAIL", "PHONE"]`).
    public let schema: [String]
    /// The prepared values, `""` where the user has no usable value.
    public let row: [String]
    /// Creates a value.
    public init(stepID: Int64, schema: [String], row: [String]) { self.stepID = stepID; self.schema = schema; self.row = row }
}

/// Where a user's walk along the path stopped, and what it produced.
public struct PathOutcome: Sendable, Equatable {
    /// The Delay step the user waits at and until when; nil when the user left the canvas.
    public var waitingAt: Int?
    /// When the wait ends.
    public var waitUntil: Date?
    /// Figures to add.
    public var counts: [StepCount] = []
    /// Sync items to commit with them.
    public var items: [SyncItemDraft] = []
    /// Steps the consent policy kept the user from, with the reason.
    public var blocks: [ConsentBlock] = []
    /// Whether the consent policy kept this user back when they entered (a new entry's walk only): the canvas's
    /// "blocked by consent" entry figure.
    public var blockedByConsent = false
    /// An entry attempt of a user who did not match the entry criteria (an action-based entry whose event or purchase
    /// was recorded): nothing is walked, only the canvas's "did not match" figure counts it.
    public var didNotMatch = false

    /// The outcome of an entry attempt that did not match the criteria.
    public static var notMatched: PathOutcome {
        var outcome = PathOutcome()
        outcome.didNotMatch = true
        return outcome
    }

    /// Creates an outcome.
    public init(waitingAt: Int? = nil, waitUntil: Date? = nil, counts: [StepCount] = [], items: [SyncItemDraft] = [], blocks: [ConsentBlock] = []) {
        self.waitingAt = waitingAt; self.waitUntil = waitUntil; self.counts = counts; self.items = items; self.blocks = blocks
    }
}

/// Moves one user along a canvas path: Audience Sync steps queue an item and pass the user on at once;
/// a Delay step holds them; after the last step they exit. Pure: the caller commits the outcome.
public enum PathWalk {
    /// Walks from step index `start`. `resuming` means the user finishes the Delay step at `start` now.
    /// A nil `profile` (deleted while waiting) makes the user exit where they are. `blockedBy` is the consent-policy
    /// condition the user fails (nil when they may be sent): such a user walks the path like anyone else, but no
    /// Audience Sync step that adds queues anything for them (remove steps still take them out).
    /// `prepared` holds identifier values already normalized and hashed (see ``PreparedValues``).
    public static func walk(_ steps: [CanvasStep], from start: Int, resuming: Bool, profile: ProfileIdentifiers?,
                            blockedBy: ConsentCondition?, now: Date, prepared: PreparedValues = PreparedValues()) -> PathOutcome {
        var outcome = PathOutcome()
        outcome.blockedByConsent = !resuming && blockedBy != nil
        var position = start
        if resuming {
            guard steps.indices.contains(position) else { return outcome }
            guard profile != nil else {
                outcome.counts.append(StepCount(stepID: steps[position].id, metric: .exited))
                return outcome
            }
            leave(steps, at: position, &outcome)
            position += 1
        }
        while steps.indices.contains(position) {
            let step = steps[position]
            outcome.counts.append(StepCount(stepID: step.id, metric: .entered))
            switch step.kind {
            case .delay(let seconds):
                outcome.waitingAt = position
                outcome.waitUntil = now.addingTimeInterval(TimeInterval(seconds))
                return outcome
            case .audienceSync(let config):
                // The policy keeps users out of audiences; taking one out (a remove step) only ever helps them.
                if let blockedBy, config.action == .add {
                    outcome.counts.append(StepCount(stepID: step.id, metric: .notSyncedNoConsent))
                    outcome.blocks.append(ConsentBlock(stepID: step.id, reason: blockedBy.reason))
                } else {
                    queue(step, config, profile: profile, prepared: prepared, &outcome)
                }
            }
            leave(steps, at: position, &outcome)
            position += 1
        }
        return outcome
    }

    private static func leave(_ steps: [CanvasStep], at position: Int, _ outcome: inout PathOutcome) {
        let last = position == steps.count - 1
        outcome.counts.append(StepCount(stepID: steps[position].id, metric: last ? .exited : .proceeded))
    }

    private static func queue(_ step: CanvasStep, _ config: AudienceSyncConfig, profile: ProfileIdentifiers?, prepared: PreparedValues,
                              _ outcome: inout PathOutcome) {
        guard let partner = config.partner, let rules = IdentifierRulesCatalog.rules(for: partner), let profile else {
            outcome.counts.append(StepCount(stepID: step.id, metric: .notSyncedNoField))
            return
        }
        let fields = config.fields.flatMap(\.identifierFields)
        let row = rules.row(fields, from: profile, prepared: prepared)
        guard row.contains(where: { !$0.isEmpty }) else {
            // Something was there but nothing survived normalization: an invalid value, not a missing one.
            let hadValue = fields.contains { !Normalize.trimmed(profile.rawValue(for: $0) ?? "").isEmpty }
            outcome.counts.append(StepCount(stepID: step.id, metric: hadValue ? .notSyncedInvalid : .notSyncedNoField))
            return
        }
        // Columns the partner wants with every row (Google's consent, Meta's Limited Data Use), added only now: a row of them alone still
        // had "no field to match" above.
        let always = zip(rules.alwaysSent, rules.row(rules.alwaysSent, from: profile, prepared: prepared)).filter { !$1.isEmpty || !rules.sentOnlyWhenSet.contains($0) }
        outcome.items.append(SyncItemDraft(stepID: step.id, schema: (fields + always.map(\.0)).map(rules.schemaKey), row: row + always.map(\.1)))
        outcome.counts.append(StepCount(stepID: step.id, metric: .queued))
    }
}

extension MatchField {
    /// The identifier fields this choice sends (date of birth is year, month and day).
    public var identifierFields: [IdentifierField] {
        switch self {
        case .email: [.email]
        case .phone: [.phone]
        case .firstName: [.firstName]
        case .lastName: [.lastName]
        case .gender: [.gender]
        case .dateOfBirth: [.birthYear, .birthMonth, .birthDay]
        case .city: [.city]
        case .state: [.state]
        case .zip: [.zip]
        case .country: [.country]
        case .mobileAdvertiserID: [.mobileAdvertiserID]
        case .externalID: [.externalID]
        }
    }
}

extension ProfileIdentifiers {
    /// The identifiers of a stored profile's attributes (`home_city` is the city; MADID is the IDFA, else the GAID).
    public init(externalID: String, attributes: [String: ProfileValue]) {
        // A profile holds a few attributes: scanning them is cheaper than hashing each of the fourteen names (this runs
        // in the single writer, once per entering user).
        func lookup(_ name: String) -> ProfileValue? { attributes.count > 8 ? attributes[name] : attributes.first { $0.key == name }?.value }
        func text(_ name: String) -> String? {
            if case .string(let value)? = lookup(name) { return value }
            return nil
        }
        /// A consent flag stored as a JSON boolean or as text ("granted"); partner rules read the text.
        func flag(_ name: String) -> String? {
            if case .bool(let value)? = lookup(name) { return value ? "true" : "false" }
            return text(name)
        }
        self.init(externalID: externalID, text: text, flag: flag, dataProcessingOptions: Self.dataProcessingOptions(attributes))
    }

    /// The one mapping of profile attribute names to identifiers: `text` reads a string attribute, `flag` a consent
    /// flag (a JSON boolean or text).
    init(externalID: String, text: (String) -> String?, flag: (String) -> String?, dataProcessingOptions: String?) {
        self.init(email: text("email"), phone: text("phone"), firstName: text("first_name"), lastName: text("last_name"),
                  gender: text("gender"), dateOfBirth: text("dob"), city: text("home_city"), state: text("state"), zip: text("zip"),
                  country: text("country"), idfa: text("idfa"), gaid: text("gaid"), externalID: externalID,
                  adUserDataConsent: flag("ad_user_data_consent"), adPersonalizationConsent: flag("ad_personalization_consent"),
                  dataProcessingOptions: dataProcessingOptions)
    }
}
