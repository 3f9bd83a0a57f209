import Core
import FastCGI
import Foundation
import Storage

/// `GET /settings/privacy`: the workspace consent policy — the conditions every user must meet before anything of
/// theirs leaves for a partner. Everyone sees it; admins change it, through a confirmation that counts its effect.
enum PrivacyPage {
    struct Content {
        let sentence: String
        let conditions: [ConditionView]
        let canEdit: Bool
        let action: String
        let csrfToken: String
        let newAttribute: String
        let newAttributeError: String?
        let meanings: [Choice]
        let requirements: [Choice]
    }

    struct ConditionView {
        let index: Int
        let attribute: String
        let label: String
        let meaning: String
        let meaningText: String
        let requirementText: String
        let isStandard: Bool
        let choices: [Choice]
    }

    struct Choice {
        let value: String
        let label: String
        let isSelected: Bool
    }

    static func handle(_ context: RequestContext) throws -> Response {
        let policy = try context.app.store.consentPolicy(workspaceID: context.user.workspaceID)
        return render(context, policy: policy, newAttribute: "", newAttributeError: nil, status: 200)
    }

    static func render(_ context: RequestContext, policy: ConsentPolicy, newAttribute: String, newAttributeError: String?, status: Int) -> Response {
        let content = Content(sentence: policy.sentence, conditions: policy.conditions.enumerated().map { conditionView($1, index: $0) },
                              canEdit: context.user.role == .admin, action: SiteRoute.settingsPrivacy.path, csrfToken: context.session?.csrfToken ?? "",
                              newAttribute: newAttribute, newAttributeError: newAttributeError,
                              meanings: ConsentMeaning.allCases.map { Choice(value: $0.rawValue, label: $0.label, isSelected: $0 == .trueGrants) },
                              requirements: ConsentRequirement.allCases.map { Choice(value: $0.rawValue, label: $0.label, isSelected: $0 == .noOptOut) })
        return context.renderer.page("privacy", shell: context.shell(title: "Privacy", section: "settings"), content: content, status: status)
    }

    private static func conditionView(_ condition: ConsentCondition, index: Int) -> ConditionView {
        let standard = ConsentAttribute.known.first { $0.name == condition.attribute }
        // A standard condition can be made stricter, never dropped: an explicit opt-out must never leave.
        let options: [(String, String)] = ConsentRequirement.allCases.map { ($0.rawValue, $0.label) } + (standard == nil ? [("remove", "Remove this condition")] : [])
        return ConditionView(index: index, attribute: condition.attribute, label: standard?.label ?? "Custom attribute", meaning: condition.meaning.rawValue,
                             meaningText: condition.meaning.label, requirementText: condition.requirement.label, isStandard: standard != nil,
                             choices: options.map { Choice(value: $0.0, label: $0.1, isSelected: $0.0 == condition.requirement.rawValue) })
    }
}

/// `POST /settings/privacy` (admins): changes the policy. A change goes through the dashboard's confirmation step, which
/// says how many users it affects (`confirmation`); the confirmed post saves it and writes a security-log line.
enum PrivacyPolicySave {
    static func handle(_ context: RequestContext) throws -> Response {
        let store = context.app.store
        let current = try store.consentPolicy(workspaceID: context.user.workspaceID)
        switch ConsentPolicyForm.read(context.request.form, current: current) {
        case .failure(let problem):
            let newAttribute = (context.request.form["new_attribute"] ?? "").trimmingCharacters(in: .whitespaces)
            return PrivacyPage.render(context, policy: current, newAttribute: newAttribute, newAttributeError: problem.message, status: 422)
        case .success(let submitted) where submitted == current:
            return Response.redirect(to: SiteRoute.settingsPrivacy.path)
        case .success(let submitted):
            try store.setConsentPolicy(workspaceID: context.user.workspaceID, submitted, by: context.user.id, now: context.now)
            context.audit(.consentPolicyChanged, detail: submitted.sentence)
            return Response.redirect(to: SiteRoute.settingsPrivacy.path + "?notice=" + Notice.policySaved.rawValue)
        }
    }

    /// A valid change is confirmed with its effect on users already on their way to partners; an invalid form or no
    /// change goes straight to the handler (which shows the error, or does nothing).
    static func confirmation(_ context: RequestContext) throws -> ConfirmGate {
        let store = context.app.store
        let current = try store.consentPolicy(workspaceID: context.user.workspaceID)
        guard case .success(let submitted) = ConsentPolicyForm.read(context.request.form, current: current), submitted != current else { return .proceed }
        let effect = try store.consentPolicyEffect(workspaceID: context.user.workspaceID, from: current, to: submitted)
        return .ask { Confirmation(title: "Change the consent policy?", effect: "New policy: \(submitted.sentence)",
                                 details: ConsentPolicyForm.effectLines(effect), button: "Change the policy", cancelPath: SiteRoute.settingsPrivacy.path,
                                 isDangerous: false) }
    }
}

/// The policy form's fields: `attribute_N`, `meaning_N`, `requirement_N` for each condition, and `new_attribute`,
/// `new_meaning`, `new_requirement` for one more. The confirmation step re-posts the same fields.
enum ConsentPolicyForm {
    static func read(_ form: FormValues, current: ConsentPolicy) -> Result<ConsentPolicy, TextProblem> {
        var conditions: [ConsentCondition] = []
        var index = 0
        while index < 100, let attribute = form["attribute_\(index)"] {   // a policy has a handful; a forged form cannot loop on
            defer { index += 1 }
            let choice = form["requirement_\(index)"] ?? ""
            if choice == "remove" { continue }
            guard let meaning = ConsentMeaning(rawValue: form["meaning_\(index)"] ?? ""), let requirement = ConsentRequirement(rawValue: choice),
                  ConsentPolicyValidation.nameProblem(attribute) == nil else {
                return .failure(TextProblem("The form was not complete; reload the page and try again."))
            }
            conditions.removeAll { $0.attribute == attribute }
            conditions.append(ConsentCondition(attribute: attribute, meaning: meaning, requirement: requirement))
        }
        let newAttribute = (form["new_attribute"] ?? "").trimmingCharacters(in: .whitespaces)
        if !newAttribute.isEmpty {
            if let problem = ConsentPolicyValidation.nameProblem(newAttribute) { return .failure(TextProblem(problem)) }
            if conditions.contains(where: { $0.attribute == newAttribute }) {
                return .failure(TextProblem("\(newAttribute) is already in the policy: change its row instead."))
            }
            guard let meaning = ConsentMeaning(rawValue: form["new_meaning"] ?? ""),
                  let requirement = ConsentRequirement(rawValue: form["new_requirement"] ?? "") else {
                return .failure(TextProblem("Choose what true means for \(newAttribute) and what users must have said."))
            }
            conditions.append(ConsentCondition(attribute: newAttribute, meaning: meaning, requirement: requirement))
        }
        // The standard conditions are the floor: a form that leaves one out (or forges its meaning) keeps it as it was.
        for known in ConsentAttribute.known where !conditions.contains(where: { $0.attribute == known.name && $0.meaning == known.meaning }) {
            conditions.removeAll { $0.attribute == known.name }
            let kept = current.conditions.first { $0.attribute == known.name && $0.meaning == known.meaning }
            conditions.insert(kept ?? ConsentCondition(attribute: known.name, meaning: known.meaning, requirement: .noOptOut), at: 0)
        }
        return .success(ConsentPolicy(conditions: conditions))
    }

    static func effectLines(_ effect: ConsentPolicyEffect) -> [String] {
        ["\(effect.pendingUsers.formatted()) users waiting to sync will not be sent: they are counted Not Synced — no consent.",
         "\(effect.syncedUsers.formatted()) users already sent to an audience will not be sent again by any step or export.",
         "\(effect.releasedUsers.formatted()) users kept back until now may be sent when they next reach a step."]
    }
}

extension ConsentMeaning {
    /// How the privacy page says it.
    var label: String {
        switch self {
        case .trueGrants: "true means the user consented"
        case .trueRefuses: "true means the user opted out"
        }
    }
}

extension ConsentRequirement {
    /// How the privacy page says it.
    var label: String {
        switch self {
        case .noOptOut: "Block users who opted out"
        case .optIn: "Require an explicit opt-in"
        }
    }
}
