import Core
import Testing

/// PHONE: digits only, leading zeros dropped, calling code added from the profile's country when missing
/// (partners.md §1.5 "Recommendation for our service"). Columns: raw, country, normalized.
@Suite struct PhoneNormalizationTests {
    static let cases: [(String, String?, String)] = [
        // Written with "+" or "00": the code is already there, whatever the profile's country says.
        ("+1 (650) 555-1212", "GB", "16505551212"),
        ("+44 20 7946 0958", "US", "442079460958"),
        ("0044 20 7946 0958", "US", "442079460958"),
        ("+49 (0)30 123456", nil, "4930123456"),                         // "(0)": the trunk, not dialled from abroad
        ("+44 (0)20 7946 0958", nil, "442079460958"),
        ("＋81 90-1234-5678", nil, "819012345678"),                      // full-width plus
        // No country known: digits as written, leading zeros dropped.
        ("(650) 555-1212", nil, "6505551212"),
        ("020 7946 0958", nil, "2079460958"),
        // NANP: ten digits get 1; eleven starting with 1 already have it.
        ("(650) 555-1212", "US", "16505551212"),
        ("650.555.1212", "United States", "16505551212"),
        ("1-650-555-1212", "US", "16505551212"),
        ("16505551212", "US", "16505551212"),
        ("(416) 555-0199", "CA", "14165550199"),
        // Trunk prefix replaced by the calling code.
        ("020 7946 0958", "GB", "442079460958"),
        ("07911 123456", "UK", "447911123456"),
        ("06 12 34 56 78", "FR", "33612345678"),
        ("030 123456", "DE", "4930123456"),
        ("0491 123456", "DE", "49491123456"),                            // national number starting 49
        ("090-1234-5678", "JP", "819012345678"),
        ("0412 345 678", "AU", "61412345678"),
        ("(11) 91234-5678", "BR", "5511912345678"),
        ("8 (912) 345-67-89", "RU", "79123456789"),
        ("06 1 234 5678", "HU", "3612345678"),
        // Already international but written without "+".
        ("447911123456", "GB", "447911123456"),
        ("4930123456", "DE", "4930123456"),
        ("919876543210", "IN", "919876543210"),
        // A national number that merely starts with the code digits (Indian mobile 91…): length decides.
        ("9123456789", "IN", "919123456789"),
        ("98765 43210", "IN", "919876543210"),
        // Italy: the leading 0 of a landline is part of the number.
        ("06 1234 5678", "IT", "390612345678"),
        ("333 123 4567", "IT", "393331234567"),
        // Letters and symbols go; nothing left stays empty.
        ("tel: +1-800-555-0101 ", nil, "18005550101"),
        ("+0000000000", "US", ""),
        ("n/a", "US", ""),
        ("", "US", ""),
        ("   ", nil, ""),
        // Digits of other scripts count as digits.
        ("٠٥٠١٢٣٤٥٦٧", "AE", "971501234567"),
    ]

    @Test(arguments: cases)
    func normalizes(raw: String, country: String?, expected: String) {
        #expect(FacebookIdentifiers.normalize(.phone, raw, country: country) == expected)
    }

    @Test func rowCountryFillsTheCallingCode() {
        let row = FacebookIdentifiers.row([.phone, .country], columns: ["020 7946 0958", "United Kingdom"], defaultCountry: "US")
        #expect(row == [IdentifierHashing.sha256Hex("442079460958"), IdentifierHashing.sha256Hex("gb")])
    }

    @Test func defaultCountryAppliesOnlyWithoutARecognizedRowCountry() {
        let fields: [IdentifierField] = [.phone, .country]
        #expect(FacebookIdentifiers.row(fields, columns: ["(650) 555-1212", ""], defaultCountry: "US")[0]
            == IdentifierHashing.sha256Hex("16505551212"))
        #expect(FacebookIdentifiers.row(fields, columns: ["(650) 555-1212", "Narnia"], defaultCountry: "US")[0]
            == IdentifierHashing.sha256Hex("16505551212"))
        #expect(FacebookIdentifiers.row([.phone], columns: ["(650) 555-1212"])[0]
            == IdentifierHashing.sha256Hex("6505551212"))
    }
}
