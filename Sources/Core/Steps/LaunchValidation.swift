import Foundation

/// What launch found wrong, in plain words, with the step it concerns and a link to fix it when there is one.
public struct LaunchProblem: Sendable, Equatable {
    /// The rule that refused the launch.
    public let rule: LaunchRule
    /// The step at fault, if any.
    public let stepID: Int64?
    /// What to fix.
    public let message: String
    /// Where to fix it (a partner page, a terms page).
    public let link: String?

    /// Creates a value.
    public init(rule: LaunchRule, stepID: Int64?, message: String, link: String? = nil) {
        self.rule = rule; self.stepID = stepID; self.message = message; self.link = link
    }
}

/// The rules launch checks (issue: "Launch is refused with a list of what to fix when…").
public enum LaunchRule: String, Sendable, CaseIterable {
    case noSteps, invalidEntryCriteria, partnerMissing, connectionMissing, connectionInvalid, adAccountNotSelected
    case adAccountInaccessible, termsNotAccepted, audienceMissing, audienceNameMissing, noFieldsToMatch, audienceCapReached
    case removeFromMissingAudience
}

/// An ad account of a partner.
public struct AccountKey: Hashable, Sendable {
    /// The partner.
    public let partner: PartnerID
    /// The account's partner id.
    public let accountID: String
    /// Creates a value.
    public init(_ partner: PartnerID, _ accountID: String) { self.partner = partner; self.accountID = accountID }
}

/// Everything launch validation looks at, gathered (partly live from the partners) before it runs.
public struct LaunchSnapshot: Sendable {
    /// The canvas's steps in order.
    public var steps: [CanvasStep]
    /// Problems the entry criteria have (from their own validation).
    public var criteriaProblems: [String]
    /// The workspace's connections by partner.
    public var connections: [PartnerID: ConnectionStatus]
    /// The ad accounts chosen for each partner.
    public var selectedAccounts: [PartnerID: Set<String>]
    /// What the partner said of each account used, live: nil when it could not be reached.
    public var liveAccounts: [AccountKey: RemoteAdAccount]
    /// The audience ids that exist now in each account used, live.
    public var existingAudiences: [AccountKey: Set<String>]
    /// How many audiences each account holds now.
    public var audienceCounts: [AccountKey: Int]
    /// The partner page to fix a connection, and the terms page per account.
    public var partnerPages: [PartnerID: String]
    /// Where to accept the terms, per account.
    public var termsPages: [AccountKey: String]

    /// Creates a snapshot.
    public init(steps: [CanvasStep], criteriaProblems: [String] = [], connections: [PartnerID: ConnectionStatus] = [:],
                selectedAccounts: [PartnerID: Set<String>] = [:], liveAccounts: [AccountKey: RemoteAdAccount] = [:],
                existingAudiences: [AccountKey: Set<String>] = [:], audienceCounts: [AccountKey: Int] = [:],
                partnerPages: [PartnerID: String] = [:], termsPages: [AccountKey: String] = [:]) {
        self.steps = steps; self.criteriaProblems = criteriaProblems; self.connections = connections
        self.selectedAccounts = selectedAccounts; self.liveAccounts = liveAccounts; self.existingAudiences = existingAudiences
        self.audienceCounts = audienceCounts; self.partnerPages = partnerPages; self.termsPages = termsPages
    }
}

/// Decides whether a canvas may launch. Pure: the snapshot holds every fact it needs.
public enum LaunchValidation {
    /// Every problem found; empty means the canvas can launch.
    public static func problems(_ snapshot: LaunchSnapshot) -> [LaunchProblem] {
        var problems = snapshot.criteriaProblems.map { LaunchProblem(rule: .invalidEntryCriteria, stepID: nil, message: "Entry criteria: \($0)") }
        if snapshot.steps.isEmpty { problems.append(LaunchProblem(rule: .noSteps, stepID: nil, message: "Add at least one step.")) }
        for step in snapshot.steps {
            guard case .audienceSync(let config) = step.kind else { continue }
            problems += stepProblems(step, config, snapshot)
        }
        return problems + capProblems(snapshot)
    }

    private static func stepProblems(_ step: CanvasStep, _ config: AudienceSyncConfig, _ snapshot: LaunchSnapshot) -> [LaunchProblem] {
        let label = "Step \(step.position + 1)"
        guard let partner = config.partner else {
            return [LaunchProblem(rule: .partnerMissing, stepID: step.id, message: "\(label): choose a partner.")]
        }
        let name = PartnerInfo.of(partner).displayName
        let page = snapshot.partnerPages[partner]
        guard let status = snapshot.connections[partner] else {
            return [LaunchProblem(rule: .connectionMissing, stepID: step.id, message: "\(label): \(name) is not connected. Connect it first.", link: page)]
        }
        var problems: [LaunchProblem] = []
        if status == .invalid {
            problems.append(LaunchProblem(rule: .connectionInvalid, stepID: step.id,
                                          message: "\(label): the \(name) token is invalid. Reconnect \(name).", link: page))
        }
        problems += accountProblems(step, config, partner, snapshot)
        problems += audienceProblems(step, config, partner, snapshot)
        if config.fields.isEmpty {
            problems.append(LaunchProblem(rule: .noFieldsToMatch, stepID: step.id, message: "\(label): choose at least one field to match."))
        }
        return problems
    }

    private static func accountProblems(_ step: CanvasStep, _ config: AudienceSyncConfig, _ partner: PartnerID,
                                        _ snapshot: LaunchSnapshot) -> [LaunchProblem] {
        let label = "Step \(step.position + 1)"
        let name = PartnerInfo.of(partner).displayName
        guard let accountID = config.adAccountID, snapshot.selectedAccounts[partner]?.contains(accountID) == true else {
            return [LaunchProblem(rule: .adAccountNotSelected, stepID: step.id,
                                  message: "\(label): choose one of the \(name) ad accounts selected for this workspace.", link: snapshot.partnerPages[partner])]
        }
        let key = AccountKey(partner, accountID)
        guard snapshot.connections[partner] == .valid else { return [] }   // nothing live could be asked
        guard let live = snapshot.liveAccounts[key] else {
            return [LaunchProblem(rule: .adAccountInaccessible, stepID: step.id,
                                  message: "\(label): ad account \(accountID) is no longer accessible with the \(name) connection.",
                                  link: snapshot.partnerPages[partner])]
        }
        if live.termsAccepted == false {
            // The partner's own name for its terms (Facebook's custom audience terms, Google's customer data terms).
            let terms = live.facts.first { $0.kind == .terms }?.label.lowercased() ?? "custom audience terms"
            return [LaunchProblem(rule: .termsNotAccepted, stepID: step.id,
                                  message: "\(label): ad account \(live.name) has not accepted \(name)'s \(terms). Accept them, then launch again.",
                                  link: snapshot.termsPages[key])]
        }
        return []
    }

    private static func audienceProblems(_ step: CanvasStep, _ config: AudienceSyncConfig, _ partner: PartnerID,
                                         _ snapshot: LaunchSnapshot) -> [LaunchProblem] {
        let label = "Step \(step.position + 1)"
        switch config.audience {
        case nil:
            return [LaunchProblem(rule: .audienceMissing, stepID: step.id, message: "\(label): choose a new or existing audience.")]
        case .new(let name, _):
            return name.trimmingCharacters(in: .whitespaces).isEmpty
                ? [LaunchProblem(rule: .audienceNameMissing, stepID: step.id, message: "\(label): the new audience has no name.")] : []
        case .existing(let id, let name):
            guard let accountID = config.adAccountID, let existing = snapshot.existingAudiences[AccountKey(partner, accountID)] else { return [] }
            return existing.contains(id) ? [] : [LaunchProblem(rule: .removeFromMissingAudience, stepID: step.id,
                                                                 message: "\(label): the audience \(name) no longer exists at \(PartnerInfo.of(partner).displayName).")]
        case .fromStep(let sourceID):
            let source = snapshot.steps.first { $0.id == sourceID }
            guard let source, source.position < step.position, case .audienceSync(let origin) = source.kind, case .new = origin.audience,
                  origin.partner == partner, origin.adAccountID == config.adAccountID else {
                return [LaunchProblem(rule: .removeFromMissingAudience, stepID: step.id,
                                      message: "\(label): it uses an audience that no earlier step of this canvas creates in the same ad account.")]
            }
            return []
        }
    }

    /// New audiences this launch would create must fit under each account's cap.
    private static func capProblems(_ snapshot: LaunchSnapshot) -> [LaunchProblem] {
        var creating: [AccountKey: Int] = [:]
        for step in snapshot.steps {
            guard case .audienceSync(let config) = step.kind, let partner = config.partner, let account = config.adAccountID,
                  case .new(_, let createdID) = config.audience, createdID == nil else { continue }
            creating[AccountKey(partner, account), default: 0] += 1
        }
        return creating.sorted { $0.key.accountID < $1.key.accountID }.compactMap { key, count in
            guard let cap = PartnerInfo.of(key.partner).audienceCapPerAccount, let current = snapshot.audienceCounts[key],
                  current + count > cap else { return nil }
            return LaunchProblem(rule: .audienceCapReached, stepID: nil,
                                 message: "Creating \(count) new audience(s) in ad account \(key.accountID) would pass \(PartnerInfo.of(key.partner).displayName)'s limit of \(cap) custom audiences (it has \(current)). Delete unused audiences there or use existing ones.")
        }
    }
}
