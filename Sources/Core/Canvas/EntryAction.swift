import Foundation

/// Action-based entry (Braze's): a canvas enters a user when they perform an event or make a purchase, recorded by
/// `/users/track`, still subject to the entry criteria and the consent policy.
///
/// Stored in the canvas row as a kind (`event` / `purchase`) and a name (the event's, or the product's; none: any
/// purchase). Names compare exactly, as the activity filters do.
public enum EntryAction: Sendable, Equatable {
    /// When the user performs the custom event with this name.
    case event(String)
    /// When the user purchases this product (nil: any product).
    case purchase(productID: String?)

    /// The stored kind column.
    public var kind: String {
        switch self {
        case .event: "event"
        case .purchase: "purchase"
        }
    }

    /// The stored name column.
    public var name: String? {
        switch self {
        case .event(let name): name
        case .purchase(let product): product
        }
    }

    /// Reads the stored columns; nil when there is no action (or a kind this build does not know, which then enters
    /// nobody: failing closed).
    public init?(kind: String?, name: String?) {
        switch kind {
        case "event": guard let name, !name.isEmpty else { return nil }; self = .event(name)
        case "purchase": self = .purchase(productID: name.flatMap { $0.isEmpty ? nil : $0 })
        default: return nil
        }
    }

    /// Reads the canvas page's form: `kind` is `none`, `event` or `purchase`, `name` the event name or product id
    /// (blank for any purchase). A nil action turns action-based entry off; a problem names its form field.
    public static func parse(kind: String, name: String) -> (action: EntryAction?, problem: FieldError?) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.count > ActivityValidation.maxNameLength {
            return (nil, FieldError(field: "entry_action_name", message: "Use at most \(ActivityValidation.maxNameLength) characters."))
        }
        switch kind {
        case "none": return (nil, nil)
        case "event":
            guard !trimmed.isEmpty else { return (nil, FieldError(field: "entry_action_name", message: "Enter the event name, such as viewed_pricing.")) }
            return (.event(trimmed), nil)
        case "purchase": return (.purchase(productID: trimmed.isEmpty ? nil : trimmed), nil)
        default: return (nil, FieldError(field: "entry_action", message: "Choose when users enter."))
        }
    }

    /// Whether one of these events or purchases (one user's, from one request) starts an entry.
    public func isTriggered(events: [ProfileEvent], purchases: [ProfilePurchase]) -> Bool {
        let same = { (a: String, b: String) in a.unicodeScalars.elementsEqual(b.unicodeScalars) }
        switch self {
        case .event(let name): return events.contains { same($0.name, name) }
        case .purchase(let product): return purchases.contains { item in product.map { same(item.productID, $0) } ?? true }
        }
    }

    /// The setting in plain words: "when they perform viewed_pricing".
    public var summary: String {
        switch self {
        case .event(let name): "when they perform \(name)"
        case .purchase(let product): product.map { "when they purchase \($0)" } ?? "when they make any purchase"
        }
    }
}
