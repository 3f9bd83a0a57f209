/// Audience Sync Pro (seeds: Braze's Audience Sync Pro): Facebook and Google are open to every workspace; each
/// Pro purchase allots three Pro destinations, chosen installation-wide and usable in every workspace.
public struct ProAllotments: Sendable, Equatable {
    /// Pro destinations per purchase.
    public static let perPurchase = 3

    /// Purchases this installation holds.
    public let purchases: Int
    /// The Pro partners an admin enabled.
    public let enabled: Set<PartnerID>

    /// Creates a value.
    public init(purchases: Int, enabled: Set<PartnerID>) { self.purchases = purchases; self.enabled = enabled }

    /// Allotments in all.
    public var total: Int { max(0, purchases) * Self.perPurchase }
    /// Allotments in use.
    public var used: Int { enabled.count }
    /// Allotments left.
    public var left: Int { max(0, total - used) }

    /// Whether a workspace may connect and sync to `partner`.
    public func allows(_ partner: PartnerID) -> Bool {
        PartnerInfo.of(partner).tier == .standard || enabled.contains(partner)
    }

    /// Why `selection` cannot be the enabled set, or nil when it can. `connected` are Pro partners some workspace
    /// is connected to: they stay enabled until disconnected, so no canvas loses its destination.
    public func problem(with selection: Set<PartnerID>, connected: Set<PartnerID>) -> String? {
        if let standard = selection.first(where: { PartnerInfo.of($0).tier != .pro }) {
            return "\(PartnerInfo.of(standard).displayName) is available to every workspace; it needs no Pro allotment."
        }
        if selection.count > total {
            let plural = purchases == 1 ? "purchase allots" : "purchases allot"
            return "\(purchases) Audience Sync Pro \(plural) \(total) Pro partners; you chose \(selection.count). "
                + "Choose at most \(total), or add a purchase."
        }
        let kept = connected.filter { PartnerInfo.of($0).tier == .pro && !selection.contains($0) }.map { PartnerInfo.of($0).displayName }.sorted()
        if !kept.isEmpty {
            return "\(kept.joined(separator: ", ")) \(kept.count == 1 ? "is" : "are") still connected in a workspace. Disconnect before disabling."
        }
        return nil
    }
}
