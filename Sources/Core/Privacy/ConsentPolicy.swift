import Foundation

/// The workspace's consent policy: conditions every user must meet before any identifier of theirs leaves for any
/// partner, by any canvas step or segment export.
///
/// It is checked at the last gates — when a step's walk would queue the user, when a batch is claimed for sending, and
/// when an export page is built — so no canvas's entry criteria, edited or not, can let an opted-out user through.
/// Pure: the store keeps it as JSON (`jsonText`), a workspace without one has `standard`.
public struct ConsentPolicy: Sendable, Equatable, Codable {
    /// The conditions, each of which a user must meet (an AND).
    public var conditions: [ConsentCondition]

    /// Creates a policy.
    public init(conditions: [ConsentCondition]) { self.conditions = conditions }

    /// Every workspace's policy until an admin changes it: an explicit opt-out never leaves. Users who have not
    /// stated anything pass; users who said no — ads tracking off, marketing declined, do-not-sell on — do not.
    public static let standard = ConsentPolicy(conditions: ConsentAttribute.known.map {
        ConsentCondition(attribute: $0.name, meaning: $0.meaning, requirement: .noOptOut)
    })

    /// The first condition `attributes` fails (the user's stored profile), or nil when the user may be sent.
    public func blockingCondition(_ attributes: [String: ProfileValue]) -> ConsentCondition? {
        conditions.first { !$0.isMet(by: attributes[$0.attribute]) }
    }

    /// The first condition the profile stored as `json` fails. When no condition's attribute occurs in the text and
    /// none requires an opt-in, the user passes without the text being parsed (the common case on the send path; the
    /// store only holds valid JSON objects). Otherwise text that cannot be read fails the first condition (closed).
    public func blockingCondition(attributesJSON json: String) -> ConsentCondition? {
        guard !conditions.isEmpty else { return nil }
        // A byte search, not Foundation's `contains` (a locale-aware search that dominated the claim in a profile).
        if onlyOptOutsBlock, !keyNeedles.contains(where: { json.utf8.firstRange(of: $0.utf8) != nil }) { return nil }
        guard let attributes = ProfileValue.parseObject(json: json) else { return conditions[0] }
        return blockingCondition(attributes)
    }

    /// Whether only an explicit answer can block (every condition is `noOptOut`): then a profile that mentions none of the
    /// policy's attributes passes unread, and the store can leave such profiles out before reading them.
    public var onlyOptOutsBlock: Bool { conditions.allSatisfy { $0.requirement == .noOptOut } }

    /// Each condition's attribute as it stands as a key in stored attributes JSON (`"ads_tracking_enabled"`, quoted;
    /// names cannot hold quotes or backslashes, so this is their only spelling).
    public var keyNeedles: [String] { conditions.map { "\"\($0.attribute)\"" } }

    /// Whether `update` sets one of the policy's attributes — the only kind of write that can make a user start or stop
    /// meeting it, so the others need no look before and after.
    public func mayChangeStanding(_ update: ProfileUpdate) -> Bool {
        conditions.contains { update.attributes[$0.attribute] != nil }
    }

    /// The policy as one sentence for the pages that show it read-only.
    public var sentence: String {
        guard !conditions.isEmpty else { return "No consent conditions: every user who reaches a step can be sent." }
        return "A user is never sent to any partner when " + conditions.map(\.refusalPhrase).joined(separator: ", or when ") + "."
    }

    /// The policy as stored.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{\"conditions\":[]}".utf8), as: UTF8.self)
    }

    /// Reads a stored policy. Text that cannot be read gives nil; the caller then uses `standard` (fail closed: a
    /// damaged policy never means "no conditions").
    public init?(jsonText: String) {
        guard let policy = try? JSONDecoder().decode(ConsentPolicy.self, from: Data(jsonText.utf8)),
              policy.conditions.allSatisfy({ ConsentPolicyValidation.nameProblem($0.attribute) == nil }) else { return nil }
        self = policy
    }
}

/// One condition of the policy: which attribute, what its `true` means, and what the user must have said.
public struct ConsentCondition: Sendable, Equatable, Codable {
    /// The profile attribute, standard (`ads_tracking_enabled`) or custom.
    public var attribute: String
    /// Whether `true` grants consent or records an opt-out.
    public var meaning: ConsentMeaning
    /// Whether only an explicit opt-out blocks, or an explicit opt-in is required.
    public var requirement: ConsentRequirement

    /// Creates a condition.
    public init(attribute: String, meaning: ConsentMeaning, requirement: ConsentRequirement) {
        self.attribute = attribute; self.meaning = meaning; self.requirement = requirement
    }

    /// Whether a user whose attribute holds `value` (nil: absent) meets the condition.
    public func isMet(by value: ProfileValue?) -> Bool {
        let consented = ConsentAnswer.read(value).map { meaning == .trueGrants ? $0 : !$0 }
        switch requirement {
        case .noOptOut: return consented != false
        case .optIn: return consented == true
        }
    }

    /// What makes a user fail it, as a clause ("`ads_tracking_enabled` is false").
    public var refusalPhrase: String {
        let refusing = meaning == .trueGrants ? "false" : "true"
        switch requirement {
        case .noOptOut: return "\(attribute) is \(refusing)"
        case .optIn: return "\(attribute) is not \(refusing == "false" ? "true" : "false")"
        }
    }

    /// Why a user was not sent, for the ledger and the figures ("ads_tracking_enabled is false").
    public var reason: String { refusalPhrase }
}

/// What `true` means for a consent attribute.
public enum ConsentMeaning: String, Sendable, Codable, CaseIterable {
    /// `true` grants consent (`ads_tracking_enabled`): `false` is an opt-out.
    case trueGrants = "true_grants"
    /// `true` records an opt-out (`do_not_sell`): `true` is an opt-out.
    case trueRefuses = "true_refuses"
}

/// How strict a condition is.
public enum ConsentRequirement: String, Sendable, Codable, CaseIterable {
    /// Only an explicit opt-out blocks; a user who said nothing passes.
    case noOptOut = "no_opt_out"
    /// The user must have explicitly consented; saying nothing blocks.
    case optIn = "opt_in"
}

/// Reads a stored value as a yes/no answer: JSON booleans, the numbers 1 and 0, and the words people send
/// ("true", "yes", "granted", "false", "no", "denied", … in any case). Anything else is no answer.
public enum ConsentAnswer {
    static let yes: Set<String> = ["true", "yes", "y", "1", "on", "granted", "opt_in", "opted_in"]
    static let no: Set<String> = ["false", "no", "n", "0", "off", "denied", "opt_out", "opted_out"]

    /// The answer in `value`, or nil when it states none.
    public static func read(_ value: ProfileValue?) -> Bool? {
        switch value {
        case .bool(let answer)?: return answer
        case .number(let number)? where number == 1 || number == 0: return number == 1
        case .string(let text)?:
            let word = text.trimmingCharacters(in: .whitespaces).lowercased()
            return yes.contains(word) ? true : (no.contains(word) ? false : nil)
        default: return nil
        }
    }
}

/// The consent attributes AudienceSync knows, with what their `true` means: the standard policy holds each of them.
public struct ConsentAttribute: Sendable, Equatable {
    /// The attribute name.
    public let name: String
    /// What `true` means.
    public let meaning: ConsentMeaning
    /// How the privacy page describes it.
    public let label: String

    /// Ad tracking, marketing consent and the CCPA/CPRA "do not sell or share" opt-out.
    public static let known: [ConsentAttribute] = [
        ConsentAttribute(name: "ads_tracking_enabled", meaning: .trueGrants, label: "Allowed ad tracking (false is an opt-out)"),
        ConsentAttribute(name: "opted_in_marketing", meaning: .trueGrants, label: "Opted in to marketing (false is an opt-out)"),
        ConsentAttribute(name: "do_not_sell", meaning: .trueRefuses, label: "Opted out of the sale or sharing of their data (true is an opt-out)"),
    ]
}

/// Checks a policy an admin submits.
public enum ConsentPolicyValidation {
    /// Why `name` cannot be a consent attribute, or nil.
    public static func nameProblem(_ name: String) -> String? {
        if name.isEmpty || name.count > ProfileValidation.maxNameLength {
            return "Attribute names have 1 to \(ProfileValidation.maxNameLength) characters."
        }
        if name.hasPrefix("$") { return "Attribute names cannot start with $." }
        if name.contains("\"") || name.contains("\\") { return "Attribute names cannot contain quotes or backslashes." }
        if let problem = TextRules.controlCharacterProblem(name) { return problem }
        if name == "external_id" { return "external_id is an identifier, not a consent attribute." }
        return nil
    }
}
