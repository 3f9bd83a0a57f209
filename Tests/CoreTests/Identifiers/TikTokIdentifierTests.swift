import Core
import Testing

/// TikTok's rules against partners.md §8 (TikTok rows) and §2.5, with the places we knowingly differ from seg.
@Suite struct TikTokIdentifierTests {
    /// §8 TikTok rows: seg hashes the value as given. Inputs chosen so our normalization gives exactly that string.
    static let vectors: [(IdentifierField, String, String, String)] = [
        (.email, "testing@testing.com", "testing@testing.com", "584c4423c421df49955759498a71495aba49b8780eb9387dff333b6f0982c777"),
        (.email, "  TESTING@Testing.com \n", "testing@testing.com", "584c4423c421df49955759498a71495aba49b8780eb9387dff333b6f0982c777"),
        (.mobileAdvertiserID, "4242", "4242", "0315b4020af3eccab7706679580ac87a710d82970733b8719e70af9b57e7b9e6"),
        (.mobileAdvertiserID, " 4242 ", "4242", "0315b4020af3eccab7706679580ac87a710d82970733b8719e70af9b57e7b9e6"),
    ]

    @Test(arguments: vectors)
    func normalizesAndHashesLikeTheReference(field: IdentifierField, raw: String, normalized: String, hash: String) {
        #expect(TikTokIdentifiers.normalize(field, raw, country: nil) == normalized)
        #expect(TikTokIdentifiers.prepare(field, raw, country: nil) == hash)
    }

    /// §8's phone row is sha256("1234567890"), digits without `+`: a string our E.164 rule never produces. The hash
    /// itself is checked, a value already hashed that way passes through unchanged, and our own form is `+…`.
    @Test func phoneVectorIsTheDigitsAsGivenWhileWeSendEPlus164() {
        let seg = "c775e7b757ede630cd0aa1113bd102661ab38829ca52a6422ab782862f268646"
        #expect(IdentifierHashing.sha256Hex("1234567890") == seg)
        #expect(TikTokIdentifiers.prepare(.phone, seg.uppercased(), country: nil) == seg)
        #expect(TikTokIdentifiers.normalize(.phone, "1234567890", country: nil) == "+1234567890")
        #expect(TikTokIdentifiers.prepare(.phone, "1234567890", country: nil)
                == "422ce82c6fc1724ac878042f7d055653ab5e983d186e616826a72d4384b68af8")
    }

    @Test func phoneGetsItsCallingCodeAndPlus() {
        #expect(TikTokIdentifiers.normalize(.phone, "+1 (650) 555-1212", country: nil) == "+16505551212")
        #expect(TikTokIdentifiers.normalize(.phone, "(650) 555-1212", country: "US") == "+16505551212")
        #expect(TikTokIdentifiers.normalize(.phone, "020 7946 0958", country: "GB") == "+442079460958")
        #expect(TikTokIdentifiers.normalize(.phone, "0044 20 7946 0958", country: nil) == "+442079460958")
        #expect(TikTokIdentifiers.normalize(.phone, "+000", country: nil) == "")
    }

    /// seg's anti-vector: dots and `+tags` of the local part stay (partners.md §8 "Anti-vectors").
    @Test func emailKeepsDotsAndPlusTags() {
        #expect(TikTokIdentifiers.normalize(.email, "J.O.H.N+alias@Gmail.com", country: nil) == "j.o.h.n+alias@gmail.com")
        #expect(TikTokIdentifiers.prepare(.email, "j.o.h.n+alias@gmail.com", country: nil)
                == "343b0dbf080e793d5eb7e7d3d4402a6119439408b1a3e31ec6066c370eb5bbbf")
    }

    @Test func emptyWhitespaceAndPrehashed() {
        for field in TikTokIdentifiers.fields {
            #expect(TikTokIdentifiers.prepare(field, "", country: nil) == "")
            #expect(TikTokIdentifiers.prepare(field, " \t\n", country: nil) == "")
        }
        let upper = "584C4423C421DF49955759498A71495ABA49B8780EB9387DFF333B6F0982C777"
        #expect(TikTokIdentifiers.prepare(.email, "  \(upper) ", country: nil) == upper.lowercased())
        #expect(TikTokIdentifiers.prepare(.mobileAdvertiserID, upper, country: nil) == upper.lowercased())
    }

    @Test func mobileIdsAreLowerCasedBeforeHashing() {
        #expect(TikTokIdentifiers.prepare(.mobileAdvertiserID, "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6", country: nil)
                == "30a5154b77ab8b2ddbe19f5e7af72f33cc2a4a41f22940d965102650a1c72863")
    }

    @Test func schemaKeysAreTikToksIdSchemaNames() {
        #expect(TikTokIdentifiers.fields.map(TikTokIdentifiers.schemaKey) == ["EMAIL_SHA256", "PHONE_SHA256", "IDFA_SHA256"])
        #expect(TikTokIdentifiers.field(forSchemaKey: " idfa_sha256 ") == .mobileAdvertiserID)
        #expect(TikTokIdentifiers.field(forSchemaKey: "FN") == nil)
        #expect(TikTokIdentifiers.requestGroups(["EMAIL_SHA256", "PHONE_SHA256"]) == [[0, 1]])
        #expect(IdentifierRulesCatalog.rules(for: .tiktok) is TikTokIdentifiers.Type)
    }

    @Test func aProfileRowCarriesEveryKey() {
        let profile = ProfileIdentifiers(email: "testing@testing.com", phone: "1234567890", country: "US", gaid: "4242")
        let row = TikTokIdentifiers.row(TikTokIdentifiers.fields, from: profile)
        #expect(row[0] == "584c4423c421df49955759498a71495aba49b8780eb9387dff333b6f0982c777")
        #expect(row[1] == IdentifierHashing.sha256Hex("+11234567890"))
        #expect(row[2] == "0315b4020af3eccab7706679580ac87a710d82970733b8719e70af9b57e7b9e6")
    }
}
