import Core
import Foundation

/// Reads the three arrays of a `/users/track` body (Braze's `attributes`, `events`, `purchases`) into what to
/// store and what to report. Each object stands on its own: a bad attribute is left out of its user, a bad
/// event or purchase is left out; every problem is reported with its array and index.
struct TrackParsing {
    /// Profile updates, one per valid attributes object, plus an empty one for each user who only has events or
    /// purchases (so their profile exists, as Braze creates it).
    private(set) var updates: [ProfileUpdate] = []
    /// Valid events.
    private(set) var events: [ProfileEvent] = []
    /// Valid purchases.
    private(set) var purchases: [ProfilePurchase] = []
    /// Every problem, in request order within each array.
    private(set) var errors: [FieldError] = []
    /// Attributes objects stored (with all or some of their attributes).
    private(set) var attributesStored = 0
    /// Attributes objects dropped whole (not an object, or no usable external id).
    private(set) var attributesDropped = 0

    init(attributes: [JSONValue], events: [JSONValue], purchases: [JSONValue], today: Date) {
        for (index, object) in attributes.enumerated() {
            let outcome = ProfileValidation.validate(object, index: index, today: today)
            errors += outcome.errors.map { $0.in("attributes") }
            if let update = outcome.update { updates.append(update); attributesStored += 1 } else { attributesDropped += 1 }
        }
        for (index, object) in events.enumerated() {
            switch ActivityValidation.event(object, index: index) {
            case .success(let event): self.events.append(event)
            case .failure(let problems): errors += problems.errors
            }
        }
        for (index, object) in purchases.enumerated() {
            switch ActivityValidation.purchase(object, index: index) {
            case .success(let purchase): self.purchases.append(purchase)
            case .failure(let problems): errors += problems.errors
            }
        }
        var known = Set(updates.map(\.externalID))
        for id in self.events.map(\.externalID) + self.purchases.map(\.externalID) where known.insert(id).inserted {
            updates.append(ProfileUpdate(externalID: id, attributes: [:]))
        }
    }

    /// Whether anything is stored.
    var storesAnything: Bool { !updates.isEmpty }
}
