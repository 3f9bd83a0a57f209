import Core
import Foundation
import Testing

/// The canonical forms of standard attributes with a fixed vocabulary, and Braze-rule events and purchases.
@Suite struct StandardValuesTests {
    static let genders: [(String, String?)] = [
        ("male", "M"), ("Male", "M"), ("m", "M"), (" MAN ", "M"), ("Männlich", "M"), ("female", "F"), ("woman", "F"), ("F", "F"),
        ("Frau", "F"), ("other", "O"), ("non-binary", "O"), ("Not applicable", "N"), ("N/A", "N"), ("prefer not to say", "P"),
        ("P", "P"), ("unknown", "U"), ("u", "U"), ("helicopter", nil), ("", nil), ("?", nil), ("mf", nil),
    ]

    @Test(arguments: genders)
    func genderSpellings(raw: String, code: String?) { #expect(StandardValues.gender(raw) == code) }

    static let countries: [(String, String?)] = [
        ("US", "US"), ("us", "US"), ("U.S.", "US"), ("USA", "US"), ("u.s.a.", "US"), ("United States", "US"),
        ("United States of America", "US"), ("America", "US"), ("UK", "GB"), ("Great Britain", "GB"), ("England", "GB"),
        ("United Kingdom", "GB"), ("Deutschland", "DE"), ("germany", "DE"), ("DEU", "DE"), ("España", "ES"), ("Côte d'Ivoire", "CI"),
        ("the Netherlands", "NL"), ("Narnia", nil), ("", nil), ("XX", nil),
    ]

    @Test(arguments: countries)
    func countrySpellings(raw: String, code: String?) { #expect(StandardValues.country(raw) == code) }

    @Test func yesNoSpellings() {
        for value: JSONValue in [true, 1, "yes", "TRUE", " 1 "] { #expect(StandardValues.bool(value) == true, "\(value)") }
        for value: JSONValue in [false, 0, "no", "False", "0"] { #expect(StandardValues.bool(value) == false, "\(value)") }
        for value: JSONValue in [2, "maybe", "", [true], nil] { #expect(StandardValues.bool(value) == nil, "\(value)") }
        // The consent policy's words too: what ingest keeps is what the policy reads.
        for word in ["denied", "Opted_Out", "off"] {
            #expect(StandardValues.bool(.string(word)) == false && ConsentAnswer.read(.string(word)) == false, "\(word)")
        }
    }

    @Test func oneBadAttributeNeverDropsTheUser() throws {
        let object: JSONValue = ["external_id": " u1 ", "email": "nope", "gender": "Female", "country": "U.S.", "plan": "gold"]
        let outcome = ProfileValidation.validate(object, index: 7, today: Date())
        let update = try #require(outcome.update)
        #expect(update.externalID == "u1" && update.attributes == ["gender": "\"F\"", "country": "\"US\"", "plan": "\"gold\""])
        #expect(outcome.errors == [FieldError(index: 7, field: "email", message: outcome.errors.first?.message ?? "")])
        #expect(ProfileValidation.validate(["email": "a@b.co"], index: 0, today: Date()).update == nil)
        #expect(ProfileValidation.validate("text", index: 0, today: Date()).update == nil)
    }

    static let emails: [(String, Bool)] = [
        ("a@b.co", true), ("First.Last+tag@mail.example.com", true), ("é@exämple.de", true), (String(repeating: "a", count: 64) + "@b.co", true),
        (String(repeating: "a", count: 65) + "@b.co", false), ("a@" + String(repeating: "b", count: 250) + ".co", false), ("nope", false),
        ("@b.co", false), ("a@b", false), ("a@.b.co", false), ("a@b.co.", false), ("a@b..co", false), ("a..b@c.co", true), ("a@b@c.co", false),
        ("a b@c.co", false), ("a\tb@c.co", false), ("a,b@c.co", false), ("<a@b.co>", false), ("é @exämple.de", false), ("ü\u{2003}@b.de", false),
    ]

    @Test(arguments: emails)
    func emailShape(_ text: String, valid: Bool) {
        let outcome = ProfileValidation.validate(["external_id": "u1", "email": .string(text)], index: 0, today: Date())
        #expect(outcome.errors.isEmpty == valid, "\(text)")
    }

    @Test func attributesOverTheLimitAreReportedNotSilentlyDropped() throws {
        var object: [String: JSONValue] = ["external_id": "u1"]
        for k in 0..<(ProfileValidation.maxAttributesPerObject + 3) { object[String(format: "a%03d", k)] = .integer(Int64(k)) }
        let outcome = ProfileValidation.validate(.object(object), index: 0, today: Date())
        #expect(outcome.update?.attributes.count == ProfileValidation.maxAttributesPerObject)
        #expect(outcome.errors.map(\.field) == ["a250", "a251", "a252"])
    }

    @Test func eventsAndPurchasesFollowBrazesRules() throws {
        let event = try ActivityValidation.event(["external_id": "u1", "name": " opened ", "time": "2026-12-07T09:30:00Z"], index: 0).get()
        #expect(event.name == "opened" && event.time == Date(timeIntervalSince1970: 1_796_635_800) && event.propertiesJSON == nil)
        guard case .failure(let problems) = ActivityValidation.event(["external_id": "u1", "name": "", "time": "2026-12-07",
                                                                      "properties": [1, 2]], index: 3) else { Issue.record("accepted"); return }
        #expect(problems.errors.map(\.field) == ["events[3].name", "events[3].time", "events[3].properties"])
        #expect(problems.errors.allSatisfy { $0.index == 3 && $0.inputArray == "events" })
        let purchase = try ActivityValidation.purchase(["external_id": "u1", "product_id": "sku", "price": 0, "currency": "eur",
                                                        "time": "2026-12-07T09:30:00+02:00"], index: 0).get()
        #expect(purchase.currency == "EUR" && purchase.quantity == 1 && purchase.price == 0)
        let big: JSONValue = ["k": .string(String(repeating: "x", count: ActivityValidation.maxPropertiesBytes))]
        guard case .failure(let large) = ActivityValidation.event(["external_id": "u1", "name": "n", "time": "2026-12-07T09:30:00Z",
                                                                   "properties": big], index: 0) else { Issue.record("accepted"); return }
        #expect(large.errors.map(\.field) == ["events[0].properties"])
    }
}
