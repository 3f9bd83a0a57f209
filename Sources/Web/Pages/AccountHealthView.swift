import Core

/// An ad account's facts as the `account_health` partial shows them: each in the partner's words with its meaning, and
/// the reason the account cannot be synced to, when there is one.
struct AccountHealthView {
    struct Fact {
        let label: String
        let value: String
        let meaning: String
        let blocksSync: Bool
        /// Whether the marker above already says this fact with its meaning (the meaning is then not repeated).
        let isReason: Bool
    }

    let facts: [Fact]
    let hasFacts: Bool
    /// Why the account cannot receive users (``AccountUsability``), or nil when it can.
    let reason: String?
    /// Where to accept the partner's terms, shown when a terms fact stops syncing.
    let termsURL: String?

    init(facts: [AccountFact], partner: PartnerID, reason: String?, termsURL: String?) {
        self.facts = facts.map {
            Fact(label: $0.label, value: $0.value, meaning: $0.meaning, blocksSync: $0.blocksSync,
                 isReason: reason == AccountUsability.explain($0, partner: partner))
        }
        hasFacts = !facts.isEmpty
        self.reason = reason
        self.termsURL = facts.contains { $0.kind == .terms && $0.blocksSync } ? termsURL : nil
    }
}
