/// Each partner's account facts, in its own terms (partners.md): the one place that knows which values a partner
/// uses, what they mean, and which stop syncing. Clients read the values; pages and launch show these facts.
public enum AccountFacts {
    // MARK: Facebook (partners.md §1.2, §1.3)

    /// Graph's `account_status` codes and their names (§1.2). 1 ACTIVE and 9 IN_GRACE_PERIOD still run ads.
    static let facebookStatuses: [Int: (name: String, meaning: String, blocks: Bool)] = [
        1: ("ACTIVE", "the ad account is active.", false),
        2: ("DISABLED", "Facebook disabled the ad account; it refuses new audiences and uploads.", true),
        3: ("UNSETTLED", "the ad account has an unpaid balance; settle it at Facebook.", true),
        7: ("PENDING_RISK_REVIEW", "Facebook is reviewing the ad account; wait for the review.", true),
        8: ("PENDING_SETTLEMENT", "a payment is being settled; wait for it.", true),
        9: ("IN_GRACE_PERIOD", "a payment failed, but ads still run during the grace period.", false),
        100: ("PENDING_CLOSURE", "the ad account is being closed.", true),
        101: ("CLOSED", "the ad account is closed.", true),
    ]

    /// Graph's `account_status`; an unknown code is shown as the number, and stops syncing.
    public static func facebookStatus(_ code: Int) -> AccountFact {
        let known = facebookStatuses[code]
        return AccountFact(kind: .status, label: "Account status", value: known?.name ?? String(code),
                           meaning: known?.meaning ?? "a status AudienceSync does not know; only ACTIVE accounts are synced to.",
                           blocksSync: known?.blocks ?? true)
    }

    /// `tos_accepted.custom_audience_tos` (§1.3): without it Graph refuses to create or change custom audiences.
    public static func facebookTerms(accepted: Bool) -> AccountFact {
        termsFact("Custom audience terms", accepted: accepted, ifAccepted: "custom audiences may be created and changed.",
                  ifNot: "Facebook refuses to create or change custom audiences until someone accepts the terms.")
    }

    // MARK: TikTok (partners.md §2.2; advertiser/info `status`)

    /// The one TikTok advertiser status that serves and takes audiences.
    static let tiktokEnabled = "STATUS_ENABLE"

    /// TikTok serves and takes audiences only for `STATUS_ENABLE` advertisers.
    public static func tiktokStatus(_ status: String) -> AccountFact {
        statusFact("Advertiser status", status, usable: tiktokEnabled, meanings: [
            tiktokEnabled: "the advertiser is enabled.",
            "STATUS_DISABLE": "TikTok disabled the advertiser; it refuses audiences and uploads.",
            "STATUS_LIMIT": "TikTok limited the advertiser; it cannot take audiences until the limit is lifted.",
            "STATUS_PENDING_CONFIRM": "the advertiser is waiting for TikTok's review.",
        ], otherwise: "the advertiser is not enabled at TikTok.")
    }

    // MARK: Google (partners.md §3.2, §3.6)

    /// The one Google customer status that takes Customer Match lists.
    static let googleEnabled = "ENABLED"

    /// GAQL `customer.status`: only `ENABLED` customers take Customer Match lists.
    public static func googleStatus(_ status: String) -> AccountFact {
        statusFact("Customer status", status, usable: googleEnabled, meanings: [
            googleEnabled: "the customer is enabled.",
            "CANCELED": "the customer was cancelled; Google refuses every call on it.",
            "SUSPENDED": "Google suspended the customer; it refuses every call on it.",
            "CLOSED": "the customer is closed.",
            googleNotEnabled: "Google will not open the customer: it is cancelled, suspended or closed.",
        ], otherwise: "the customer is not enabled at Google.")
    }

    /// The error Google answers for a customer that is not enabled: its status cannot be read, only this.
    public static let googleNotEnabled = "CUSTOMER_NOT_ENABLED"

    /// `customer.customer_agreement_setting.accepted_customer_data_terms`: Customer Match uploads are refused with
    /// `CUSTOMER_NOT_ACCEPTED_CUSTOMER_DATA_TERMS` until they are accepted (§3.6).
    public static func googleCustomerDataTerms(accepted: Bool) -> AccountFact {
        termsFact("Customer data terms", accepted: accepted, ifAccepted: "Customer Match lists may be uploaded.",
                  ifNot: "Google refuses Customer Match uploads until the customer data terms are accepted in Google Ads.")
    }

    // MARK: Snapchat (partners.md §5.2)

    /// The account status Snapchat and LinkedIn both call `ACTIVE`: the only one synced to.
    static let active = "ACTIVE"

    /// The ad account's `status`; Snap takes segments and users only for `ACTIVE` accounts [I].
    public static func snapchatStatus(_ status: String) -> AccountFact {
        statusFact("Ad account status", status, usable: active, meanings: [
            active: "the ad account is active.",
            "PAUSED": "the ad account is paused; Snapchat refuses segment changes until it is active again.",
            "DISABLED": "Snapchat disabled the ad account.",
        ], otherwise: "the ad account is not active at Snapchat.")
    }

    // MARK: Pinterest (partners.md §4.2)

    /// Permissions that may create audiences and change customer lists [I: Pinterest's business-access roles].
    public static let pinterestWritingPermissions: Set<String> = ["OWNER", "ADMINISTRATOR", "AUDIENCE_MANAGER", "CAMPAIGN_MANAGER"]

    /// The ad account's `permissions[]` for the connected person.
    public static func pinterestPermissions(_ permissions: [String]) -> AccountFact {
        let upper = permissions.map { $0.uppercased() }
        let writes = !Set(upper).isDisjoint(with: pinterestWritingPermissions)
        return AccountFact(kind: .role, label: "Your permissions", value: upper.isEmpty ? "none" : upper.joined(separator: ", "),
                           meaning: writes ? "you may create audiences and change customer lists."
                               : "these permissions only read the account; Pinterest refuses customer-list changes (403).",
                           blocksSync: !writes)
    }

    // MARK: Criteo (partners.md §6.2 [I])

    /// The advertiser's `status` attribute [I: not in the sources; the sandbox emulates Active / Inactive].
    public static func criteoStatus(_ status: String) -> AccountFact {
        statusFact("Advertiser status", status, usable: "Active", meanings: ["Active": "the advertiser is active."],
                   otherwise: "the advertiser is not active at Criteo; it refuses segment changes.")
    }

    // MARK: LinkedIn (partners.md §7.2)

    /// The sponsored account's `status`; only `ACTIVE` accounts are synced to [I].
    public static func linkedInStatus(_ status: String) -> AccountFact {
        statusFact("Account status", status, usable: active, meanings: [
            active: "the ad account is active.",
            "DRAFT": "the ad account is a draft; finish setting it up at LinkedIn.",
            "CANCELED": "the ad account was cancelled.",
            "PENDING_DELETION": "the ad account is being deleted.",
            "REMOVED": "the ad account is being deleted.",
        ], otherwise: "the ad account is not active at LinkedIn.")
    }

    /// The member's role (`adAccountUsers`): "Managing audiences is restricted to … a role other than VIEWER" (§7.2).
    public static func linkedInRole(_ role: String) -> AccountFact {
        let viewer = role == "VIEWER"
        return AccountFact(kind: .role, label: "Your role", value: role,
                           meaning: viewer ? "a viewer cannot manage audiences; LinkedIn refuses matched-audience changes."
                               : "you may manage matched audiences.",
                           blocksSync: viewer)
    }

    /// A partner's terms fact: accepted, or not (which stops syncing).
    private static func termsFact(_ label: String, accepted: Bool, ifAccepted: String, ifNot: String) -> AccountFact {
        AccountFact(kind: .terms, label: label, value: accepted ? "Accepted" : "Not accepted", meaning: accepted ? ifAccepted : ifNot,
                    blocksSync: !accepted)
    }

    /// A partner's status fact: `meanings` says what each known value means, `otherwise` any other; only `usable` is
    /// synced to.
    private static func statusFact(_ label: String, _ value: String, usable: String, meanings: [String: String],
                                   otherwise: String) -> AccountFact {
        AccountFact(kind: .status, label: label, value: value, meaning: meanings[value] ?? otherwise, blocksSync: value != usable)
    }
}
