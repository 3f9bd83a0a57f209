import Foundation

/// One profile update as it arrives through `/users/track`: the external id and its attributes.
///
/// Attribute values are JSON scalars or arrays of scalars; `null` removes an attribute (as in Braze).
public struct ProfileUpdate: Sendable, Equatable {
    /// The workspace-unique id of the user in the customer's systems.
    public let externalID: String
    /// The attributes to set, as canonical JSON text per name (`"\"a@b.co\""`, `true`, `null`).
    public let attributes: [String: String]
    /// Creates a value.
    public init(externalID: String, attributes: [String: String]) { self.externalID = externalID; self.attributes = attributes }
}

/// One problem with one object of a request, reported as `{"index","field","message"}`.
public struct FieldError: Sendable, Equatable, Codable {
    /// The object's position in the request's array (nil for request-wide problems).
    public let index: Int?
    /// The attribute or request field at fault.
    public let field: String
    /// What is wrong and how to fix it, in plain words.
    public let message: String
    /// Which array of the request the object is in (`attributes`, `events`, `purchases`), as Braze's
    /// `input_array`; nil (and left out of the JSON) where a request has one array only.
    public let inputArray: String?
    /// Creates a value.
    public init(index: Int? = nil, field: String, message: String, inputArray: String? = nil) {
        self.index = index; self.field = field; self.message = message; self.inputArray = inputArray
    }

    /// The same problem, said to be in `array`.
    public func `in`(_ array: String) -> FieldError { FieldError(index: index, field: field, message: message, inputArray: array) }

    enum CodingKeys: String, CodingKey { case index, field, message, inputArray = "input_array" }
}

/// The standard attributes AudienceSync understands; everything else is a custom attribute.
public enum StandardAttribute: String, CaseIterable, Sendable {
    case externalID = "external_id", email, phone, firstName = "first_name", lastName = "last_name", gender, dob, country
    case homeCity = "home_city", state, zip, idfa, gaid
    case adsTrackingEnabled = "ads_tracking_enabled", optedInMarketing = "opted_in_marketing", doNotSell = "do_not_sell"
}
