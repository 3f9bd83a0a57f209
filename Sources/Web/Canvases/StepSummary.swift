import Core
import Partners

/// What a launched Audience Sync step does, in a marketer's words: a launched step cannot change, so its page shows
/// this summary instead of an editor whose every control would be refused.
struct StepSummary {
    /// "Facebook — Demo Retail — US (act_1001)".
    let destination: String
    /// "Bench buyers (new audience, id 238…)".
    let audience: String
    /// The audience at the partner, where the partner has a page for it (Facebook's Ads Manager), else nil.
    let audienceLink: String?
    /// "Adds users to the audience" / "Removes users from the audience".
    let action: String
    /// "Email, Phone", the only fields that leave, hashed.
    let fields: String

    init(_ context: RequestContext, config: AudienceSyncConfig, steps: [CanvasStep]) throws {
        if let partner = config.partner, let accountID = config.adAccountID {
            let connection = try context.app.store.connection(workspaceID: context.user.workspaceID, partner: partner)
            let accountName = try connection.flatMap { try context.app.store.adAccounts(connectionID: $0.id).first { $0.externalID == accountID }?.name }
            destination = SyncForm.destinationLabel(partner, accountName: accountName, accountID: accountID)
        } else {
            destination = "No destination chosen"
        }
        var externalID: String?
        switch config.audience {
        case .new(let name, let id)?:
            audience = "\(name) (new audience\(id.map { ", id \($0)" } ?? ", created at launch"))"; externalID = id
        case .existing(let id, let name)?:
            audience = "\(name) (existing audience, id \(id))"; externalID = id
        case .fromStep(let stepID)?:
            let origin = steps.first { $0.id == stepID }
            audience = "The new audience of step \(origin.map { String($0.position + 1) } ?? "?")"
        case nil:
            audience = "None chosen"
        }
        audienceLink = Self.link(context, partner: config.partner, account: config.adAccountID, audienceID: externalID)
        action = config.action == .remove ? "Removes users from the audience" : "Adds users to the audience"
        fields = config.fields.map(\.label).joined(separator: ", ")
    }

    /// Facebook's Ads Manager audiences page for the account (`FACEBOOK_ADS_MANAGER_URL`, the sandbox's in a demo).
    private static func link(_ context: RequestContext, partner: PartnerID?, account: String?, audienceID: String?) -> String? {
        guard partner == .facebook, audienceID != nil, let account, let template = context.app.config.facebook.extra["ads_manager_url"] else {
            return nil
        }
        return template.replacingOccurrences(of: "{account}", with: account.hasPrefix("act_") ? String(account.dropFirst(4)) : account)
    }
}
