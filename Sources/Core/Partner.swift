/// The ad platforms AudienceSync can sync to.
public enum PartnerID: String, CaseIterable, Sendable, Codable {
    case facebook, google, tiktok, pinterest, snapchat, criteo, linkedin
}

/// How a partner is offered to a workspace.
public enum PartnerTier: String, Sendable {
    /// Available to every workspace (Facebook, Google).
    case standard
    /// Needs an Audience Sync Pro allotment.
    case pro
}

/// Static facts about one partner: names, tier, whether this build can connect it, and its limits.
public struct PartnerInfo: Sendable {
    /// The partner's identifier.
    public let id: PartnerID
    /// The name shown to marketers.
    public let displayName: String
    /// One line about what syncing to it does.
    public let summary: String
    /// Standard or Pro.
    public let tier: PartnerTier
    /// Whether this build can connect the partner yet (others say "coming soon").
    public let isConnectable: Bool
    /// What the partner calls an ad account ("ad account", "advertiser", "customer").
    public let adAccountNoun: String
    /// The most customer-file audiences one ad account may hold, when the partner has a cap.
    public let audienceCapPerAccount: Int?
    /// The most users one add/remove call may carry.
    public let maxUsersPerRequest: Int
    /// Calls allowed per ad account in a rolling window (partners.md: TikTok 50/s, Snapchat 10/s, Criteo 250/min…).
    /// The engine never exceeds it; a partner's own 429s are honoured on top.
    public let callBudget: CallBudget

    /// The catalog entry for `id`.
    public static func of(_ id: PartnerID) -> PartnerInfo { catalog.first { $0.id == id }! }

    /// Every partner in the order the Technology Partners page lists them.
    public static let catalog: [PartnerInfo] = [
        PartnerInfo(id: .facebook, displayName: "Facebook", summary: "Sync users into Facebook and Instagram custom audiences.",
                    tier: .standard, isConnectable: true, adAccountNoun: "ad account", audienceCapPerAccount: 500, maxUsersPerRequest: 10_000,
                    callBudget: CallBudget(limit: 190_000, window: 3600)),
        PartnerInfo(id: .google, displayName: "Google", summary: "Sync users into Google Ads Customer Match lists.",
                    tier: .standard, isConnectable: true, adAccountNoun: "customer", audienceCapPerAccount: nil, maxUsersPerRequest: 10_000,
                    callBudget: CallBudget(limit: 300, window: 60)),
        PartnerInfo(id: .tiktok, displayName: "TikTok", summary: "Sync users into TikTok custom audiences.",
                    tier: .pro, isConnectable: true, adAccountNoun: "advertiser", audienceCapPerAccount: 400, maxUsersPerRequest: 10_000,
                    callBudget: CallBudget(limit: 50, window: 1)),
        PartnerInfo(id: .pinterest, displayName: "Pinterest", summary: "Sync users into Pinterest customer lists.",
                    tier: .pro, isConnectable: true, adAccountNoun: "ad account", audienceCapPerAccount: nil, maxUsersPerRequest: 10_000,
                    callBudget: CallBudget(limit: 400, window: 60)),
        PartnerInfo(id: .snapchat, displayName: "Snapchat", summary: "Sync users into Snapchat audience segments.",
                    tier: .pro, isConnectable: true, adAccountNoun: "ad account", audienceCapPerAccount: 1_000, maxUsersPerRequest: 10_000,
                    callBudget: CallBudget(limit: 10, window: 1)),
        PartnerInfo(id: .criteo, displayName: "Criteo", summary: "Sync users into Criteo audience segments.",
                    tier: .pro, isConnectable: true, adAccountNoun: "advertiser", audienceCapPerAccount: 1_000, maxUsersPerRequest: 10_000,
                    callBudget: CallBudget(limit: 250, window: 60)),
        PartnerInfo(id: .linkedin, displayName: "LinkedIn", summary: "Sync users into LinkedIn matched audiences.",
                    tier: .pro, isConnectable: true, adAccountNoun: "ad account", audienceCapPerAccount: nil, maxUsersPerRequest: 5_000,
                    callBudget: CallBudget(limit: 10, window: 1)),
    ]
}
