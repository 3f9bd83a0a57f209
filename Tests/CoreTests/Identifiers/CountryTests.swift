@testable import Core
import Testing

/// The country table behind COUNTRY, PHONE calling codes and the US-only rules.
@Suite struct CountryTests {
    @Test func tableCoversEveryISOCountryOnce() {
        #expect(Country.all.count == 249)
        #expect(Set(Country.all.map(\.alpha2)).count == 249)
        #expect(Set(Country.all.map(\.alpha3)).count == 249)
        #expect(Country.all.filter { $0.callingCode.isEmpty }.map(\.alpha2) == ["BV"])   // uninhabited
    }

    static let callingCodes: [(String, String)] = [
        ("US", "1"), ("CA", "1"), ("PR", "1"), ("GB", "44"), ("DE", "49"), ("FR", "33"), ("IN", "91"), ("BR", "55"),
        ("JP", "81"), ("AU", "61"), ("CN", "86"), ("MX", "52"), ("ES", "34"), ("IT", "39"), ("NL", "31"),
        ("RU", "7"), ("KZ", "7"), ("KR", "82"), ("ID", "62"), ("NG", "234"), ("ZA", "27"), ("AE", "971"),
        ("SA", "966"), ("TR", "90"), ("PH", "63"), ("VN", "84"), ("EG", "20"), ("AR", "54"), ("IE", "353"),
        ("NZ", "64"), ("SG", "65"), ("HK", "852"), ("TW", "886"), ("IL", "972"), ("CH", "41"), ("SE", "46"),
    ]

    @Test(arguments: callingCodes)
    func callingCode(alpha2: String, code: String) {
        #expect(Country.find(alpha2)?.callingCode == code)
    }

    static let spellings: [(String, String?)] = [
        ("us", "US"), ("USA", "US"), ("U.S.", "US"), ("united states", "US"), ("America", "US"),
        ("gb", "GB"), ("UK", "GB"), ("Great Britain", "GB"), ("England", "GB"),
        ("DEU", "DE"), ("Germany", "DE"), ("Russia", "RU"), ("Russian Federation", "RU"), ("Viet Nam", "VN"),
        ("Vietnam", "VN"), ("Türkiye", "TR"), ("Turkey", "TR"), ("Czech Republic", "CZ"), ("Czechia", "CZ"),
        ("Taiwan", "TW"), ("Iran", "IR"), ("Bolivia", "BO"), ("Côte d’Ivoire", "CI"), ("Ivory Coast", "CI"),
        ("The Gambia", "GM"), ("Saint Kitts and Nevis", "KN"), ("St Kitts and Nevis", "KN"), ("UAE", "AE"),
        ("DR Congo", "CD"), ("Congo", "CG"), ("Réunion", "RE"), ("México", "MX"),
        ("", nil), ("EU", nil), ("Kosovo", nil), ("Atlantis", nil), ("12", nil),
    ]

    @Test(arguments: spellings)
    func find(raw: String, alpha2: String?) {
        #expect(Country.find(raw)?.alpha2 == alpha2)
    }

    @Test func countryFieldAlwaysYieldsISOAlpha2OrNothing() {
        for country in Country.all {
            for spelling in [country.alpha2, country.alpha3] + country.names {
                #expect(FacebookIdentifiers.normalize(.country, spelling, country: nil) == country.alpha2.lowercased(), "\(spelling)")
            }
        }
    }
}

/// Meta ST: US states to their two-letter code.
@Suite struct USStatesTests {
    static let states: [(String, String)] = [
        ("Alabama", "al"), ("Alaska", "ak"), ("Arizona", "az"), ("Arkansas", "ar"), ("California", "ca"),
        ("Colorado", "co"), ("Connecticut", "ct"), ("Delaware", "de"), ("Florida", "fl"), ("Georgia", "ga"),
        ("Hawaii", "hi"), ("Idaho", "id"), ("Illinois", "il"), ("Indiana", "in"), ("Iowa", "ia"),
        ("Kansas", "ks"), ("Kentucky", "ky"), ("Louisiana", "la"), ("Maine", "me"), ("Maryland", "md"),
        ("Massachusetts", "ma"), ("Michigan", "mi"), ("Minnesota", "mn"), ("Mississippi", "ms"), ("Missouri", "mo"),
        ("Montana", "mt"), ("Nebraska", "ne"), ("Nevada", "nv"), ("New Hampshire", "nh"), ("New Jersey", "nj"),
        ("New Mexico", "nm"), ("New York", "ny"), ("North Carolina", "nc"), ("North Dakota", "nd"), ("Ohio", "oh"),
        ("Oklahoma", "ok"), ("Oregon", "or"), ("Pennsylvania", "pa"), ("Rhode Island", "ri"), ("South Carolina", "sc"),
        ("South Dakota", "sd"), ("Tennessee", "tn"), ("Texas", "tx"), ("Utah", "ut"), ("Vermont", "vt"),
        ("Virginia", "va"), ("Washington", "wa"), ("West Virginia", "wv"), ("Wisconsin", "wi"), ("Wyoming", "wy"),
        ("District of Columbia", "dc"), ("Washington, D.C.", "dc"), ("American Samoa", "as"), ("Guam", "gu"),
        ("Northern Mariana Islands", "mp"), ("Puerto Rico", "pr"), ("U.S. Virgin Islands", "vi"),
    ]

    @Test(arguments: states)
    func nameAndCodeGiveTheCode(name: String, code: String) {
        #expect(FacebookIdentifiers.normalize(.state, name, country: "US") == code)
        #expect(FacebookIdentifiers.normalize(.state, name.uppercased(), country: nil) == code)
        #expect(FacebookIdentifiers.normalize(.state, code.uppercased(), country: "USA") == code)
    }
}
