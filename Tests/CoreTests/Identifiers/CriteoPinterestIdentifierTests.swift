import Core
import Testing

/// Criteo (partners.md §6.5) and Pinterest (§4.4): email trimmed, lower-cased, SHA-256; Criteo's mobile id in
/// clear, Pinterest's hashed; one identifier type per request for both.
@Suite struct CriteoPinterestIdentifierTests {
    static let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    static let snapMaid = "30a5154b77ab8b2ddbe19f5e7af72f33cc2a4a41f22940d965102650a1c72863"
    static let person = "b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd"

    @Test func criteoHashesEmailsAndSendsMobileIdsInClear() {
        #expect(CriteoIdentifiers.prepare(.email, "  Mary@Example.COM ", country: nil) == Self.mary)
        #expect(CriteoIdentifiers.prepare(.email, "Person@email.com ", country: nil) == Self.person)
        #expect(CriteoIdentifiers.prepare(.email, Self.mary.uppercased(), country: nil) == Self.mary)
        #expect(CriteoIdentifiers.prepare(.email, " \n ", country: nil) == "")
        #expect(CriteoIdentifiers.prepare(.mobileAdvertiserID, " F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6 ", country: nil)
                == "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
        #expect(CriteoIdentifiers.prepare(.mobileAdvertiserID, "", country: nil) == "")
        #expect(!CriteoIdentifiers.isHashed(.mobileAdvertiserID) && CriteoIdentifiers.isHashed(.email))
    }

    @Test func criteoKeysAndGroups() {
        #expect(CriteoIdentifiers.fields.map(CriteoIdentifiers.schemaKey) == ["EMAIL", "MADID"])
        #expect(CriteoIdentifiers.field(forSchemaKey: "madid") == .mobileAdvertiserID)
        #expect(CriteoIdentifiers.field(forSchemaKey: "PHONE") == nil)
        #expect(CriteoIdentifiers.requestGroups(["EMAIL", "MADID"]) == [[0], [1]])
        #expect(IdentifierRulesCatalog.rules(for: .criteo) == CriteoIdentifiers.self)
        #expect(CriteoIdentifiers.row([.email, .mobileAdvertiserID], from: ProfileIdentifiers(email: "mary@example.com", idfa: " AB-CD "))
                == [Self.mary, "ab-cd"])
    }

    @Test func pinterestHashesBothAndLowerCasesFirst() {
        #expect(PinterestIdentifiers.prepare(.email, "  Mary@Example.COM ", country: nil) == Self.mary)
        #expect(PinterestIdentifiers.prepare(.mobileAdvertiserID, "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6", country: nil) == Self.snapMaid)
        #expect(PinterestIdentifiers.prepare(.mobileAdvertiserID, " f81d4fae-7dec-11d0-a765-00a0c91e6bf6\t", country: nil) == Self.snapMaid)
        #expect(PinterestIdentifiers.prepare(.mobileAdvertiserID, Self.snapMaid.uppercased(), country: nil) == Self.snapMaid)
        #expect(PinterestIdentifiers.prepare(.email, "", country: nil) == "")
    }

    @Test func pinterestKeysAndGroups() {
        #expect(PinterestIdentifiers.fields.map(PinterestIdentifiers.schemaKey) == ["EMAIL", "MAID"])
        #expect(PinterestIdentifiers.field(forSchemaKey: "maid") == .mobileAdvertiserID)
        #expect(PinterestIdentifiers.requestGroups(["EMAIL", "MAID"]) == [[0], [1]])
        #expect(IdentifierRulesCatalog.rules(for: .pinterest) == PinterestIdentifiers.self)
    }
}
