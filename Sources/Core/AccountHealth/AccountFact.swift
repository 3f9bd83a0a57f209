/// One thing a partner reports about an ad account, in the partner's own words ("Advertiser status: STATUS_DISABLE"),
/// with what it means for syncing. Each partner has its own facts (``AccountFacts``); none is shown for a partner
/// that does not have it, so a partner without custom-audience terms never shows "terms unknown".
public struct AccountFact: Sendable, Equatable, Codable {
    /// What kind of fact this is: launch reports terms on their own (with the page to accept them).
    public enum Kind: String, Sendable, Codable {
        /// The account's own state at the partner (active, disabled, cancelled…).
        case status
        /// Terms the partner requires before customer data may be uploaded.
        case terms
        /// What the connected person may do in the account (role, permissions).
        case role
    }

    /// The kind of fact.
    public let kind: Kind
    /// The partner's name for the fact ("Advertiser status").
    public let label: String
    /// The partner's own value ("STATUS_DISABLE").
    public let value: String
    /// What the value means, in plain words.
    public let meaning: String
    /// Whether the partner refuses audiences and uploads while this holds.
    public let blocksSync: Bool

    /// Creates a fact.
    public init(kind: Kind, label: String, value: String, meaning: String, blocksSync: Bool) {
        self.kind = kind; self.label = label; self.value = value; self.meaning = meaning; self.blocksSync = blocksSync
    }

    /// "advertiser status STATUS_DISABLE — TikTok disabled the advertiser…": why an account cannot be synced to,
    /// to follow "<partner> reports".
    public var reason: String { "\(label.prefix(1).lowercased())\(label.dropFirst()) \(value) — \(meaning)" }
}

extension Array where Element == AccountFact {
    /// The first fact that stops syncing, if any.
    public var blocking: AccountFact? { first(where: \.blocksSync) }
}
