import Core
import Foundation
import Testing

/// Values prepared ahead of the write transaction make exactly the rows the walk would make alone, for every partner,
/// and a value the request did not carry (or that a stored country changes) is prepared in the walk as before.
@Suite struct PreparedValuesTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func step(_ id: Int64, _ partner: PartnerID, fields: [MatchField]) -> CanvasStep {
        CanvasStep(id: id, canvasID: 1, position: Int(id) - 1, kind: .audienceSync(AudienceSyncConfig(
            partner: partner, adAccountID: "a1", audience: .new(name: "A", externalID: "9"), action: .add, fields: fields)))
    }

    /// Every partner on one path, each matching on every field.
    var path: [CanvasStep] {
        PartnerID.allCases.enumerated().map { Self.step(Int64($0.offset + 1), $0.element, fields: MatchField.allCases) }
    }

    /// The update's attributes as canonical JSON texts, and the profile the walk reads after merging it.
    static let update = ProfileUpdate(externalID: "u1", attributes: [
        "email": #"" Mary@Example.com ""#, "phone": #""+1 (650) 555-1212""#, "first_name": #""Mary""#, "last_name": #""O'Neil""#,
        "gender": #""female""#, "dob": #""1980-02-29""#, "home_city": #""Palo Alto""#, "state": #""CA""#, "zip": #""94301-1234""#,
        "country": #""US""#, "idfa": #""6D92078A-8246-4BA4-AE5B-76104861E7DC""#, "ad_user_data_consent": "true",
        "ad_personalization_consent": #""denied""#])

    func walk(_ profile: ProfileIdentifiers, prepared: PreparedValues) -> [SyncItemDraft] {
        PathWalk.walk(path, from: 0, resuming: false, profile: profile, blockedBy: nil, now: now, prepared: prepared).items
    }

    @Test func theRowsAreTheSameWithValuesPreparedAheadForEveryPartner() throws {
        let prepared = PreparedValues([Self.update], for: [path])
        let profile = ProfileIdentifiers(externalID: "u1", update: Self.update.attributes)
        #expect(profile.email == " Mary@Example.com " && profile.adUserDataConsent == "true" && profile.adPersonalizationConsent == "denied")
        #expect(prepared.count == 1)
        let alone = walk(profile, prepared: PreparedValues())
        #expect(alone.count == PartnerID.allCases.count)
        #expect(walk(profile, prepared: prepared) == alone)
    }

    @Test func aValueTheRequestDidNotCarryIsPreparedInTheWalk() {
        // The request set only the email; the stored profile adds a phone and a country of its own.
        let emailOnly = ProfileUpdate(externalID: "u1", attributes: ["email": #""mary@example.com""#])
        let prepared = PreparedValues([emailOnly], for: [path])
        let merged = ProfileIdentifiers(email: "mary@example.com", phone: "650 555 1212", country: "United States", externalID: "u1")
        #expect(walk(merged, prepared: prepared) == walk(merged, prepared: PreparedValues()))
        #expect(walk(merged, prepared: prepared).contains { $0.row.contains(IdentifierHashing.sha256Hex("16505551212")) })
    }

    @Test func nothingIsPreparedWithoutAnAudienceSyncStep() {
        let delay = CanvasStep(id: 1, canvasID: 1, position: 0, kind: .delay(seconds: 60))
        #expect(PreparedValues([Self.update], for: [[delay]]).count == 0)
    }

    @Test func aSingleJSONStringIsReadAndAnythingElseIsNot() {
        #expect(JSONText.parseString(#""a\"b\u00e9""#) == "a\"bé")
        #expect(JSONText.parseString("true") == nil && JSONText.parseString(#""a" 1"#) == nil && JSONText.parseString("") == nil)
    }
}
