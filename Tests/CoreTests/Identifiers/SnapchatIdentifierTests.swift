import Core
import Testing

/// Every Snap row of partners.md §8, plus the edges the shared rules must keep (pre-hashed, empty, padding, case).
@Suite struct SnapchatIdentifierTests {
    static let email = "b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd"
    static let phone = "2fd199db6d3fa9fe754886ff1822f2867fcb104a6639495eca25c2978efe4ed4"
    static let maid = "30a5154b77ab8b2ddbe19f5e7af72f33cc2a4a41f22940d965102650a1c72863"

    static let vectors: [(IdentifierField, String, String, String)] = [
        (.email, "person@email.com", "person@email.com", email),
        (.email, "Person@email.com", "person@email.com", email),
        (.email, "Person@email.com ", "person@email.com", email),
        (.phone, "+1(706)-767-5127", "17067675127", phone),
        (.phone, "001(706)-767-5127", "17067675127", phone),
        (.phone, "01(706)-767-5127", "17067675127", phone),
        (.mobileAdvertiserID, "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", maid),
        (.mobileAdvertiserID, "  f81d4fae-7dec-11d0-a765-00a0c91e6bf6 ", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", maid),
    ]

    @Test(arguments: vectors)
    func normalizesAndHashesLikeTheReference(field: IdentifierField, raw: String, normalized: String, hash: String) {
        #expect(SnapchatIdentifiers.normalize(field, raw, country: nil) == normalized)
        #expect(SnapchatIdentifiers.prepare(field, raw, country: nil) == hash)
    }

    @Test func schemaKeysAreSnapsAndEveryKeyIsItsOwnRequest() {
        #expect(SnapchatIdentifiers.fields.map(SnapchatIdentifiers.schemaKey) == ["EMAIL_SHA256", "PHONE_SHA256", "MOBILE_AD_ID_SHA256"])
        #expect(SnapchatIdentifiers.field(forSchemaKey: " email_sha256 ") == .email)
        #expect(SnapchatIdentifiers.field(forSchemaKey: "EMAIL") == nil)
        #expect(SnapchatIdentifiers.requestGroups(["EMAIL_SHA256", "PHONE_SHA256", "MOBILE_AD_ID_SHA256"]) == [[0], [1], [2]])
        #expect(IdentifierRulesCatalog.rules(for: .snapchat) == SnapchatIdentifiers.self)
        #expect(SnapchatIdentifiers.isHashed(.mobileAdvertiserID))
    }

    @Test func aNationalNumberGetsTheProfilesCallingCode() {
        #expect(SnapchatIdentifiers.normalize(.phone, "(706) 767-5127", country: "US") == "17067675127")
        #expect(SnapchatIdentifiers.normalize(.phone, "07911 123456", country: "GB") == "447911123456")
        #expect(SnapchatIdentifiers.normalize(.phone, "06 12 34 56 78", country: "FR") == "33612345678")
        // The written code wins over the profile's country.
        #expect(SnapchatIdentifiers.normalize(.phone, "+1(706)-767-5127", country: "GB") == "17067675127")
        #expect(SnapchatIdentifiers.row([.phone], from: ProfileIdentifiers(phone: "(706) 767-5127", country: "United States")) == [Self.phone])
    }

    @Test func edges() {
        #expect(SnapchatIdentifiers.prepare(.email, "   ", country: nil) == "")
        #expect(SnapchatIdentifiers.prepare(.phone, "+0000", country: nil) == "")
        #expect(SnapchatIdentifiers.prepare(.phone, "", country: nil) == "")
        #expect(SnapchatIdentifiers.prepare(.email, " " + Self.email.uppercased() + " ", country: nil) == Self.email)
        #expect(SnapchatIdentifiers.prepare(.mobileAdvertiserID, Self.maid.uppercased(), country: nil) == Self.maid)
        #expect(SnapchatIdentifiers.normalize(.email, "\tPERSON@Email.COM\n", country: nil) == "person@email.com")
        // A profile's IDFA, else its GAID.
        #expect(SnapchatIdentifiers.row([.email, .mobileAdvertiserID], from: ProfileIdentifiers(gaid: "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"))
                == ["", Self.maid])
    }
}
