import Core
import Testing

/// Google Customer Match rules (Data Manager, partners.md §3b.3, §3.5) against every Google vector of §8 and §3b.3.
@Suite struct GoogleVectorTests {
    func prepared(_ field: IdentifierField, _ raw: String, country: String? = nil) -> String {
        GoogleIdentifiers.prepare(field, raw, country: country)
    }

    @Test(arguments: [
        ("test@gmail.com", "87924606b4131a8aceeeae8868531fbb9712aaa07a5d3a756b26ce0f5d6ca674"),
        ("j.o.h.n+alias@gmail.com", "142d78e466cacab37c3751a6ba0d288ce40db609ce9c49617ea6b24665f1aa9c"),
        ("dana@example.com", "07e2f1394b0ea80e2adca010ea8318df697001a005ba7452720edda4b0ce57b3"),
        ("  ALEXZ@example.com   ", "509e933019bb285a134a9334b8bb679dff79d0ce023d529af4bd744d47b4fd8a"),
        ("QuinnY@EXAMPLE.com", "d00d0a7c6d491b3782fd78b410748048859e16467faa0651f060978d4bb343cc"),
        ("Jefferson.Loves.hiking@gmail.com", "515d2f967f73864e76937ab2b897210a86fd286016903b1b08c3da07c75f513e"),
        ("Cloudy.SanFrancisco+shopping@gmail.com", "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4"),
        ("user.name+NYC@Example.com", "f109a2a632fbcea5fc82049f50beed3d8621bf9034399f437fb622222acccdac"),
        ("baklavainthebalkans@gmail.com  ", "f1fcde379f31f4d446b76ee8f34860eca2288adc6b6d6c0fdc56d9eee75a2fa5"),
    ])
    func emails(raw: String, hash: String) {
        #expect(prepared(.email, raw) == hash)
    }

    @Test func gmailRulesOnlyForGmailAndGooglemail() {
        #expect(GoogleIdentifiers.normalize(.email, "A.B+x@GoogleMail.com", country: nil) == "ab@googlemail.com")
        #expect(GoogleIdentifiers.normalize(.email, "first.last+tag@example.com", country: nil) == "first.last+tag@example.com")
    }

    @Test func phones() {
        #expect(prepared(.phone, "3234567890", country: "US") == "0506a1f3f4c515fd310fce54d253b731f71e33e7e7d2b10848528ca4411120b0")
        #expect(prepared(.phone, "+1 800 5550101") == "61d6c2976b5d92b1ad63073a12fddd26040cd980067d03a93dd1cc50f1a3ac68")
        #expect(prepared(.phone, "+1 800-555-0100") == "fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30")
        #expect(prepared(.phone, "1-800-555-0100   ", country: "US") == "fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30")
        #expect(prepared(.phone, "+44-113-496-0987") == "0fac52d27ec377f8ad2f9de75d1f9bace693237e31868ae6f4616b8bbd0e94fb")
        #expect(GoogleIdentifiers.normalize(.phone, "(800)555-0100", country: "US") == "+18005550100")
    }

    @Test func namesAreLowerCasedWithoutHonorifics() {
        #expect(prepared(.firstName, "Alex") == "4135aa9dc1b842a653dea846903ddb95bfb8c5a10c504a7fa16e10bc31d1fdf0")
        #expect(prepared(.lastName, "Quinn") == "c512ca0c5c1e71be19f3356821e56732b5fb3ac894b0dbc5846d0b6920106fb3")
        #expect(prepared(.firstName, " Mr. Alex ") == "4135aa9dc1b842a653dea846903ddb95bfb8c5a10c504a7fa16e10bc31d1fdf0")
        #expect(prepared(.lastName, " Quinn, Jr. ") == "c512ca0c5c1e71be19f3356821e56732b5fb3ac894b0dbc5846d0b6920106fb3")
        #expect(prepared(.firstName, "  GivenName  ") == "128a07bfe2df877c52076e60d7774cf5baaa046c5a6c48daf30ff43ecca2f814")
        #expect(prepared(.lastName, "  FamilyName ") == "77762c287e61ce065bee5c15464012c6fbe088398b8057627d5577249430d574")
        // The anti-vector: seg hashes "Jane" with its capital; Google wants "jane".
        #expect(prepared(.firstName, "Jane") == "81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2")
        #expect(GoogleIdentifiers.normalize(.lastName, "Quinn-Alex", country: nil) == "quinn-alex")
    }

    @Test func regionAndPostalCodeAreNotHashed() {
        #expect(prepared(.country, " uS ") == "US")
        #expect(prepared(.country, "United States") == "US")
        #expect(prepared(.zip, " 1229-076  ") == "1229-076")
        #expect(prepared(.zip, "94045", country: "US") == "94045")
        #expect(!GoogleIdentifiers.isHashed(.country) && !GoogleIdentifiers.isHashed(.zip) && !GoogleIdentifiers.isHashed(.mobileAdvertiserID))
    }

    @Test func edgeCases() {
        let hash = "07e2f1394b0ea80e2adca010ea8318df697001a005ba7452720edda4b0ce57b3"
        #expect(prepared(.email, hash.uppercased()) == hash)   // pre-hashed passes through, lower-cased
        #expect(prepared(.email, "") == "" && prepared(.email, "   ") == "" && prepared(.phone, "  ") == "" && prepared(.firstName, " ") == "")
        #expect(prepared(.email, "DANA@EXAMPLE.COM") == hash)
    }

    @Test func schemaKeysAndConsentColumns() {
        #expect(GoogleIdentifiers.fields.map(GoogleIdentifiers.schemaKey)
                == ["EMAIL_ADDRESS", "PHONE_NUMBER", "GIVEN_NAME", "FAMILY_NAME", "REGION_CODE", "POSTAL_CODE", "MOBILE_ID"])
        #expect(GoogleIdentifiers.alwaysSent.map(GoogleIdentifiers.schemaKey) == ["AD_USER_DATA", "AD_PERSONALIZATION"])
        #expect(GoogleIdentifiers.field(forSchemaKey: " ad_user_data ") == .adUserDataConsent)
        #expect(IdentifierRulesCatalog.rules(for: .google) == GoogleIdentifiers.self)
        for (raw, value) in [("true", "CONSENT_GRANTED"), ("Granted", "CONSENT_GRANTED"), ("false", "CONSENT_DENIED"), ("DENIED", "CONSENT_DENIED"),
                             ("", ""), ("maybe", "")] {
            #expect(prepared(.adUserDataConsent, raw) == value)
        }
    }

    @Test func profileRowCarriesConsentAfterTheMatchedFields() {
        let profile = ProfileIdentifiers(email: "Dana@Example.com", adUserDataConsent: "true")
        let row = GoogleIdentifiers.row([.email] + GoogleIdentifiers.alwaysSent, from: profile)
        #expect(row == ["07e2f1394b0ea80e2adca010ea8318df697001a005ba7452720edda4b0ce57b3", "CONSENT_GRANTED", ""])
    }

    @Test func mobileIdsGoInARequestOfTheirOwn() {
        let schema = ["EMAIL_ADDRESS", "MOBILE_ID", "AD_USER_DATA", "AD_PERSONALIZATION"]
        #expect(GoogleIdentifiers.requestGroups(schema) == [[0, 2, 3], [1, 2, 3]])
        #expect(GoogleIdentifiers.requestGroups(["EMAIL_ADDRESS", "AD_USER_DATA"]) == [[0, 1]])
    }
}
