import Foundation

/// Add users to an audience, or remove them.
public enum AudienceAction: String, Sendable, Codable, CaseIterable {
    /// Add users to the audience.
    case add
    /// Remove users from the audience.
    case remove

    /// The step editor's wording.
    public var label: String { self == .add ? "Add users to audience" : "Remove users from audience" }
}

/// Where a canvas is in its life.
public enum CanvasStatus: String, Sendable, Codable {
    /// Being built; nothing enters.
    case draft
    /// Launched: users enter and move through the steps.
    case active
    /// No new entries; users already inside finish and queued syncs are still sent.
    case stopped
}

/// A canvas as listed and edited.
public struct Canvas: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// The owning workspace.
    public let workspaceID: Int64
    /// Its name.
    public let name: String
    /// Draft, active or stopped.
    public let status: CanvasStatus
    /// The entry criteria as stored JSON (see `EntryCriteria`).
    public let entryCriteriaJSON: String
    /// Whether `/users/track` enters users who come to match the criteria.
    public let autoEnter: Bool
    /// The event or purchase that enters users when `/users/track` records it (nil: none).
    public let entryAction: EntryAction?
    /// Who launched it (error emails go to them).
    public let launchedBy: Int64?
    /// When it was created.
    public let createdAt: Date
    /// When it was first launched.
    public let launchedAt: Date?

    /// Creates a value.
    public init(id: Int64, workspaceID: Int64, name: String, status: CanvasStatus, entryCriteriaJSON: String, autoEnter: Bool,
                entryAction: EntryAction? = nil, launchedBy: Int64?, createdAt: Date, launchedAt: Date?) {
        self.entryAction = entryAction
        self.id = id; self.workspaceID = workspaceID; self.name = name; self.status = status; self.entryCriteriaJSON = entryCriteriaJSON
        self.autoEnter = autoEnter; self.launchedBy = launchedBy; self.createdAt = createdAt; self.launchedAt = launchedAt
    }

    /// Why a canvas name is refused, or nil.
    public static func nameProblem(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "Give the canvas a name." }
        if trimmed.count > 120 { return "Use at most 120 characters." }
        return TextRules.controlCharacterProblem(trimmed)
    }
}

/// Which audience an Audience Sync step writes to.
public enum AudienceChoice: Sendable, Equatable {
    /// A new audience with this name, created at the partner on launch (its id once created).
    case new(name: String, externalID: String?)
    /// An audience that already exists at the partner.
    case existing(externalID: String, name: String)
    /// The new audience an earlier step of the same canvas creates (for a later Remove step).
    case fromStep(stepID: Int64)
}

/// What an Audience Sync step does.
public struct AudienceSyncConfig: Sendable, Equatable {
    /// The partner.
    public var partner: PartnerID?
    /// The ad account's partner id (`act_1001`).
    public var adAccountID: String?
    /// The audience.
    public var audience: AudienceChoice?
    /// Add or remove.
    public var action: AudienceAction
    /// The fields to match.
    public var fields: [MatchField]

    /// Creates a value.
    public init(partner: PartnerID?, adAccountID: String?, audience: AudienceChoice?, action: AudienceAction, fields: [MatchField]) {
        self.partner = partner; self.adAccountID = adAccountID; self.audience = audience; self.action = action; self.fields = fields
    }
}

/// One step of a canvas path.
public enum StepKind: Sendable, Equatable {
    /// Sync the users who reach it to a partner audience, then move on at once.
    case audienceSync(AudienceSyncConfig)
    /// Hold users for a while.
    case delay(seconds: Int)

    /// Whether this is a Delay step.
    public var isDelay: Bool {
        if case .delay = self { return true }
        return false
    }
}

/// A step as stored.
public struct CanvasStep: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// The canvas.
    public let canvasID: Int64
    /// Its place in the path, from 0.
    public let position: Int
    /// What it does.
    public let kind: StepKind

    /// Creates a value.
    public init(id: Int64, canvasID: Int64, position: Int, kind: StepKind) {
        self.id = id; self.canvasID = canvasID; self.position = position; self.kind = kind
    }

    /// A short title ("Add to Loyal buyers on Facebook", "Wait 2 hours").
    public func title(audienceNames: [Int64: String] = [:]) -> String {
        switch kind {
        case .delay(let seconds): return "Wait " + DelayUnit.describe(seconds: seconds)
        case .audienceSync(let config):
            let verb = config.action == .add ? "Add to" : "Remove from"
            let partner = config.partner.map { PartnerInfo.of($0).displayName } ?? "a partner"
            let audience: String
            switch config.audience {
            case .new(let name, _): audience = name.isEmpty ? "a new audience" : name
            case .existing(_, let name): audience = name
            case .fromStep(let id): audience = audienceNames[id] ?? "an audience of an earlier step"
            case nil: audience = "an audience to choose"
            }
            return "\(verb) \(audience) on \(partner)"
        }
    }
}

/// Units a Delay step is entered in.
public enum DelayUnit: String, Sendable, CaseIterable {
    case minutes, hours, days

    /// Seconds in one unit.
    public var seconds: Int {
        switch self {
        case .minutes: 60
        case .hours: 3600
        case .days: 86_400
        }
    }

    /// The longest delay accepted (Braze allows up to 30 days).
    public static let maxSeconds = 30 * 86_400

    /// "2 hours", "1 day", "90 minutes".
    public static func describe(seconds: Int) -> String {
        for unit in [DelayUnit.days, .hours, .minutes] where seconds % unit.seconds == 0 {
            let count = seconds / unit.seconds
            let name = String(unit.rawValue.dropLast())
            return "\(count) \(count == 1 ? name : name + "s")"
        }
        return "\(seconds) seconds"
    }

    /// Seconds for `amount` of `unit`, or a plain-words problem.
    public static func seconds(amount: String, unit: String) -> Result<Int, FieldProblem> {
        guard let count = Int(amount.trimmingCharacters(in: .whitespaces)), count > 0 else {
            return .failure(FieldProblem(field: "amount", message: "Enter a whole number greater than 0."))
        }
        guard let unit = DelayUnit(rawValue: unit) else { return .failure(FieldProblem(field: "unit", message: "Choose minutes, hours or days.")) }
        let total = count.multipliedReportingOverflow(by: unit.seconds)
        guard !total.overflow, total.partialValue <= maxSeconds else {
            return .failure(FieldProblem(field: "amount", message: "A delay can be at most 30 days."))
        }
        return .success(total.partialValue)
    }
}

/// A form field's problem, shown next to it.
public struct FieldProblem: Error, Sendable, Equatable {
    /// The field's name in the form.
    public let field: String
    /// What to fix.
    public let message: String
    /// Creates a value.
    public init(field: String, message: String) { self.field = field; self.message = message }
}
