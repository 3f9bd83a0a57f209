import Foundation

/// How many partner calls an ad account may take in a rolling window: Facebook's hourly custom-audience
/// budget, TikTok's 50 calls a second, Criteo's 250 a minute. Shared by every canvas and step using the account.
///
/// Calls are counted in slots of a sixtieth of the window (a minute for an hourly budget, about 17 ms for a
/// per-second one), so the rolling window is exact to one slot and the counts fit in a few rows.
public struct CallBudget: Sendable, Equatable {
    /// Calls allowed in any window.
    public let limit: Int
    /// The window's length in seconds.
    public let window: TimeInterval

    /// Creates a budget; `limit` and `window` must be positive.
    public init(limit: Int, window: TimeInterval) {
        precondition(limit > 0 && window > 0, "a call budget needs a positive limit and window")
        self.limit = limit; self.window = window
    }

    /// Slots per window.
    public static let slotsPerWindow: Int64 = 60

    /// The slot `date` falls in.
    public func slot(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * Double(Self.slotsPerWindow) / window).rounded(.down)) }

    /// The oldest slot still inside the window that ends in `date`'s slot.
    public func firstSlot(_ date: Date) -> Int64 { slot(date) - Self.slotsPerWindow + 1 }

    /// When the next slot starts: the soonest a used-up budget can have room again.
    public func nextSlotStart(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(slot(date) + 1) * window / Double(Self.slotsPerWindow))
    }

    /// A short description, e.g. "190,000 calls an hour" or "50 calls a second".
    public var summary: String {
        let unit = switch window {
        case 1: "a second"
        case 60: "a minute"
        case 3600: "an hour"
        case 86_400: "a day"
        default: "per \(Int(window)) seconds"
        }
        return "\(limit) calls \(unit)"
    }
}
