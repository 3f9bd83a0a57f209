import Core
import Testing

/// Schema keys, the partner catalog and upload rows built from stored profiles.
@Suite struct FacebookRowTests {
    @Test func schemaKeysRoundTrip() {
        let keys = FacebookIdentifiers.fields.map(FacebookIdentifiers.schemaKey)
        #expect(keys == ["EMAIL", "PHONE", "FN", "LN", "FI", "CT", "ST", "ZIP", "COUNTRY", "GEN",
                         "DOBY", "DOBM", "DOBD", "MADID", "EXTERN_ID"])
        for field in FacebookIdentifiers.fields {
            #expect(FacebookIdentifiers.field(forSchemaKey: FacebookIdentifiers.schemaKey(field)) == field)
        }
        #expect(FacebookIdentifiers.field(forSchemaKey: " email ") == .email)
        #expect(FacebookIdentifiers.field(forSchemaKey: "EMAIL_SHA256") == nil)
        // Every identifier but the consent signals, which only Google takes, and Limited Data Use, which goes with every row.
        #expect(Set(FacebookIdentifiers.fields) == Set(IdentifierField.allCases)
            .subtracting([.adUserDataConsent, .adPersonalizationConsent, .dataProcessingOptions]))
    }

    @Test func onlyMadidAndExternIDLeaveUnhashed() {
        #expect(FacebookIdentifiers.fields.filter { !FacebookIdentifiers.isHashed($0) } == [.mobileAdvertiserID, .externalID])
    }

    @Test func everyPartnerHasRulesWithFacebookFirst() {
        #expect(IdentifierRulesCatalog.supported == PartnerID.allCases)
        #expect(IdentifierRulesCatalog.supported.first == .facebook)
        #expect(IdentifierRulesCatalog.rules(for: .facebook) == FacebookIdentifiers.self)
        #expect(IdentifierRulesCatalog.rules(for: .google) == GoogleIdentifiers.self)
    }

    static let profile = ProfileIdentifiers(
        email: " Mary@Example.com ", phone: "(650) 555-1212", firstName: "Anne-Marie", lastName: "O'Brien",
        gender: "female", dateOfBirth: "1990-04-01", city: "New York", state: "New York", zip: "10001-1234",
        country: "United States", idfa: "AB1234CD-E123-12FG-J123", gaid: "ffff-0000", externalID: "user-42")

    @Test func fullProfileRow() {
        let row = FacebookIdentifiers.row(FacebookIdentifiers.fields, from: Self.profile)
        let hashed = ["mary@example.com", "16505551212", "annemarie", "obrien", "a", "newyork", "ny", "10001", "us", "f",
                      "1990", "04", "01"].map(IdentifierHashing.sha256Hex)
        #expect(row == hashed + ["ab1234cd-e123-12fg-j123", "user-42"])
    }

    @Test func missingAttributesAreEmpty() {
        let row = FacebookIdentifiers.row(FacebookIdentifiers.fields, from: ProfileIdentifiers())
        #expect(row == Array(repeating: "", count: FacebookIdentifiers.fields.count))
    }

    @Test func madidFallsBackToGaidWhenIdfaIsBlank() {
        let profile = ProfileIdentifiers(idfa: "  ", gaid: " 38400000-8CF0-11BD-B23E-10B96E40000D ")
        #expect(FacebookIdentifiers.row([.mobileAdvertiserID], from: profile) == ["38400000-8cf0-11bd-b23e-10b96e40000d"])
    }

    @Test func defaultCountryFillsThePhoneCodeOnlyWhenTheProfileHasNone() {
        let local = ProfileIdentifiers(phone: "020 7946 0958")
        #expect(FacebookIdentifiers.row([.phone], from: local, defaultCountry: "GB") == [IdentifierHashing.sha256Hex("442079460958")])
        var french = local
        french.country = "FR"
        #expect(FacebookIdentifiers.row([.phone], from: french, defaultCountry: "GB") == [IdentifierHashing.sha256Hex("332079460958")])
    }

    static let dates: [(String, [String])] = [
        ("1990-04-01", ["1990", "04", "01"]),
        ("1990-4-1", ["1990", "04", "01"]),
        ("1990/12/31", ["1990", "12", "31"]),
        ("19900401", ["1990", "04", "01"]),
        ("1990-04-01T00:00:00Z", ["1990", "04", "01"]),
        ("1990-13-01", ["1990", "", "01"]),
        ("01/04/1990", ["", "", ""]),          // not the stored YYYY-MM-DD form: do not guess the order
        ("", ["", "", ""]),
    ]

    @Test(arguments: dates)
    func dateOfBirthSplitsIntoDobyDobmDobd(stored: String, parts: [String]) {
        let row = FacebookIdentifiers.row([.birthYear, .birthMonth, .birthDay], from: ProfileIdentifiers(dateOfBirth: stored))
        #expect(row == parts.map { $0.isEmpty ? "" : IdentifierHashing.sha256Hex($0) })
    }
}
