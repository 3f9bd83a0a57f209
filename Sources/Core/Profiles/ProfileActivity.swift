import Foundation

/// A custom event a user performed, as `/users/track` takes it in `events` (Braze's event object).
public struct ProfileEvent: Sendable, Equatable {
    /// The user it happened to.
    public let externalID: String
    /// The event's name ("viewed_product").
    public let name: String
    /// When it happened.
    public let time: Date
    /// Its properties as a canonical JSON object text, nil when none were sent.
    public let propertiesJSON: String?
    /// Creates a value.
    public init(externalID: String, name: String, time: Date, propertiesJSON: String?) {
        self.externalID = externalID; self.name = name; self.time = time; self.propertiesJSON = propertiesJSON
    }
}

/// A purchase a user made, as `/users/track` takes it in `purchases` (Braze's purchase object).
public struct ProfilePurchase: Sendable, Equatable {
    /// The buyer.
    public let externalID: String
    /// The product's id in the customer's catalogue.
    public let productID: String
    /// The price of one item, in `currency`.
    public let price: Double
    /// ISO 4217 currency code, upper case ("USD").
    public let currency: String
    /// How many were bought (1 when not sent).
    public let quantity: Int
    /// When it was bought.
    public let time: Date
    /// Its properties as a canonical JSON object text, nil when none were sent.
    public let propertiesJSON: String?
    /// Creates a value.
    public init(externalID: String, productID: String, price: Double, currency: String, quantity: Int, time: Date, propertiesJSON: String?) {
        self.externalID = externalID; self.productID = productID; self.price = price; self.currency = currency
        self.quantity = quantity; self.time = time; self.propertiesJSON = propertiesJSON
    }
}

/// Validates `events` and `purchases` objects of `/users/track` by Braze's rules: `external_id` and `time`
/// (ISO 8601) always; an event needs a `name`; a purchase a `product_id`, a numeric `price` and a three-letter
/// `currency`, and takes a `quantity` from 1 to 100. `properties`, when sent, is a JSON object of at most
/// `maxPropertiesBytes`. Pure. Problems are reported as `events[i].field` / `purchases[i].field`.
public enum ActivityValidation {
    /// The largest `properties` object, as compact JSON.
    public static let maxPropertiesBytes = 16_384
    /// The longest event name or product id.
    public static let maxNameLength = 255

    /// The event `object` (at `index` of `events`), or every problem with it.
    public static func event(_ object: JSONValue, index: Int) -> Result<ProfileEvent, ActivityProblems> {
        var check = Checker(array: "events", index: index, object: object)
        let id = check.externalID()
        let name = check.name("name")
        let time = check.time()
        let properties = check.properties()
        guard check.errors.isEmpty, let id, let name, let time else { return .failure(ActivityProblems(errors: check.errors)) }
        return .success(ProfileEvent(externalID: id, name: name, time: time, propertiesJSON: properties))
    }

    /// The purchase `object` (at `index` of `purchases`), or every problem with it.
    public static func purchase(_ object: JSONValue, index: Int) -> Result<ProfilePurchase, ActivityProblems> {
        var check = Checker(array: "purchases", index: index, object: object)
        let id = check.externalID()
        let product = check.name("product_id")
        let price = check.price()
        let currency = check.currency()
        let quantity = check.quantity()
        let time = check.time()
        let properties = check.properties()
        guard check.errors.isEmpty, let id, let product, let price, let currency, let quantity, let time else {
            return .failure(ActivityProblems(errors: check.errors))
        }
        return .success(ProfilePurchase(externalID: id, productID: product, price: price, currency: currency, quantity: quantity,
                                        time: time, propertiesJSON: properties))
    }

    /// `text` as an ISO 8601 date-time with a zone ("2026-12-07T09:30:00Z", "…+01:00", fractions of a second
    /// allowed), or nil.
    public static func isoTime(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// Every problem with one event or purchase.
public struct ActivityProblems: Error, Equatable, Sendable {
    /// The problems, one per field.
    public let errors: [FieldError]
}

/// Reads one event or purchase object field by field, collecting problems.
private struct Checker {
    let array: String
    let index: Int
    let fields: [String: JSONValue]?
    var errors: [FieldError] = []

    init(array: String, index: Int, object: JSONValue) {
        self.array = array; self.index = index
        fields = object.members
        if fields == nil { fail("", "Each item must be a JSON object.") }
    }

    mutating func fail(_ field: String, _ message: String) {
        let name = field.isEmpty ? "\(array)[\(index)]" : "\(array)[\(index)].\(field)"
        errors.append(FieldError(index: index, field: name, message: message, inputArray: array))
    }

    mutating func externalID() -> String? {
        guard let fields else { return nil }
        switch ProfileValidation.checkedExternalID(fields["external_id"], field: "external_id") {
        case .success(let id): return id
        case .failure(let problem): fail("external_id", problem.message); return nil
        }
    }

    mutating func name(_ field: String) -> String? {
        guard let fields else { return nil }
        guard let text = fields[field]?.text.map(ProfileValidation.trimmedText), !text.isEmpty,
              text.count <= ActivityValidation.maxNameLength, TextRules.controlCharacterProblem(text) == nil else {
            fail(field, "\(field) is required: text of 1 to \(ActivityValidation.maxNameLength) characters."); return nil
        }
        return text
    }

    mutating func time() -> Date? {
        guard let fields else { return nil }
        guard let text = fields["time"]?.text, let date = ActivityValidation.isoTime(ProfileValidation.trimmedText(text)) else {
            fail("time", "time is required: an ISO 8601 date and time with its zone, such as 2026-12-07T09:30:00Z."); return nil
        }
        return date
    }

    mutating func price() -> Double? {
        guard let fields else { return nil }
        guard let number = fields["price"]?.number, number.isFinite else {
            fail("price", "price is required: a number, such as 12.5."); return nil
        }
        return number
    }

    mutating func currency() -> String? {
        guard let fields else { return nil }
        guard let text = fields["currency"]?.text.map(ProfileValidation.trimmedText), text.count == 3,
              text.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            fail("currency", "currency is required: a three-letter ISO 4217 code, such as USD or EUR."); return nil
        }
        return text.uppercased()
    }

    mutating func quantity() -> Int? {
        guard let fields else { return nil }
        guard let raw = fields["quantity"] else { return 1 }
        guard let number = raw.number, number == number.rounded(), (1...100).contains(number) else {
            fail("quantity", "quantity is a whole number from 1 to 100."); return nil
        }
        return Int(number)
    }

    mutating func properties() -> String? {
        guard let fields, let raw = fields["properties"], !raw.isNull else { return nil }
        guard raw.members != nil else { fail("properties", "properties must be a JSON object."); return nil }
        let json = raw.canonicalText
        guard json.utf8.count <= ActivityValidation.maxPropertiesBytes else {
            fail("properties", "properties are at most \(ActivityValidation.maxPropertiesBytes) bytes as JSON."); return nil
        }
        return json
    }
}
