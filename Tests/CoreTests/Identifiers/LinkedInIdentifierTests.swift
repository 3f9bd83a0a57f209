import Core
import Testing

/// LinkedIn's rules (partners.md §7.5): email whitespace-free and lower-cased then SHA-256; GAID plain.
@Suite struct LinkedInIdentifierTests {
    @Test func emailLosesEveryWhitespaceAndCase() {
        let hash = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"   // sha256("test@example.com"), §8
        for raw in ["test@example.com", "  Test@Example.COM  ", "te st@exa\tmple.com\n", "TEST@EXAMPLE.COM"] {
            #expect(LinkedInIdentifiers.prepare(.email, raw, country: nil) == hash)
        }
        #expect(LinkedInIdentifiers.normalize(.email, " Mary@Example.com ", country: nil) == "mary@example.com")
        #expect(LinkedInIdentifiers.prepare(.email, "mary@example.com", country: nil)
                == "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79")
    }

    @Test func googleAdvertisingIdStaysInClear() {
        #expect(LinkedInIdentifiers.prepare(.mobileAdvertiserID, " F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6 ", country: nil)
                == "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
        #expect(!LinkedInIdentifiers.isHashed(.mobileAdvertiserID) && LinkedInIdentifiers.isHashed(.email))
    }

    @Test func emptyWhitespaceAndPrehashed() {
        for field in LinkedInIdentifiers.fields {
            #expect(LinkedInIdentifiers.prepare(field, "", country: nil) == "")
            #expect(LinkedInIdentifiers.prepare(field, "   ", country: nil) == "")
        }
        let upper = "F1904CF1A9D73A55FA5DE0AC823C4403DED71AFD4C3248D00BDCD0866552BB79"
        #expect(LinkedInIdentifiers.prepare(.email, upper, country: nil) == upper.lowercased())
    }

    @Test func schemaKeysAreLinkedInsIdTypes() {
        #expect(LinkedInIdentifiers.fields.map(LinkedInIdentifiers.schemaKey) == ["SHA256_EMAIL", "GOOGLE_AID"])
        #expect(LinkedInIdentifiers.field(forSchemaKey: "google_aid") == .mobileAdvertiserID)
        #expect(LinkedInIdentifiers.field(forSchemaKey: "EMAIL") == nil)
        #expect(IdentifierRulesCatalog.rules(for: .linkedin) is LinkedInIdentifiers.Type)
    }
}
