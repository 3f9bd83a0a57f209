import Core
import Testing

/// Every Meta row of partners.md §8 "Consolidated test vectors": raw input → normalized → exact hash.
@Suite struct FacebookVectorTests {
    static let vectors: [(IdentifierField, String, String, String)] = [
        (.email, "mary@example.com", "mary@example.com", "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"),
        (.phone, "+1 (555) 987-6543", "15559876543", "1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e"),
        (.email, "  test  ", "test", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
        (.email, "test", "test", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
        (.email, "..test..", "test", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
        (.email, "  Test@Example.COM  ", "test@example.com", "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"),
        (.email, "add1@test.com", "add1@test.com", "effe3148356c0668f1f2c19e9be26544dd7882baf23c863bdceabf5dc30ab769"),
        (.email, "add2@test.com", "add2@test.com", "4e695ab9c3779ecd2e487ba8707aec6371ff8953513bca0a6da8d4ade768f62d"),
        (.email, "remove1@test.com", "remove1@test.com", "839277c6f396d28d375f8a65ae5d9f0d5e54925d7503767c9d7e0f239bfce56b"),
        (.email, "remove2@test.com", "remove2@test.com", "8b0a92ab0ddc9e3f90d866912c856eec340390f665e029506ab740ef95c2c75a"),
        (.phone, "+001-800-555-1234", "18005551234", "655dbe4f7591d8ffe8c86b433ed53aa325b40e1be892167ae2e17118da8279c9"),
        (.phone, "+1 (800) 555-1234", "18005551234", "655dbe4f7591d8ffe8c86b433ed53aa325b40e1be892167ae2e17118da8279c9"),
        (.phone, "0044 207 123 4567", "442071234567", "7832ae034a3179d5f2260e4bec5b6b1756ade7bf4ced1f6fc7a8040529fd9e57"),
        (.phone, "+1 (650) 555-1212", "16505551212", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"),
        (.phone, "00919876543210", "919876543210", "92b5072176e723878b5e06ff3ca61898e4eb74e8c46642a0f2db800b17364ab0"),
        (.lastName, "O'Brien", "obrien", "b4cb6cb33fe4b865868de825023a1e2790dc12ac01ecc8d7c5afe8254071c8ba"),
        (.firstName, "Anne-Marie", "annemarie", "67495eb5715de43c26f7c18b25cc7f62a7540236516bd59d5162a6f743598083"),
        (.firstName, "  John  ", "john", "96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a"),
        (.birthMonth, "january", "01", "938db8c9f82c8cb58d3f3ef4fd250036a48d26a712753d2fde5abd03a85cabf4"),
        (.birthYear, " 1990 ", "1990", "a7be8e1fe282a37cd666e0632b17d933fa13f21addf4798fc0455bc166e2488c"),
        (.birthDay, " 05 ", "05", "c97550ce8213ef5cf6ed4ba48790c137df3ef6a5da20b48961001a634b6cead2"),
        (.gender, "male", "m", "62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a"),
        (.gender, "female", "f", "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111"),
        (.country, "US", "us", "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"),
        (.country, "U.S.", "us", "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"),
        (.state, "California", "ca", "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126"),
        (.city, "New York", "newyork", "350c754ba4d38897693aa077ef43072a859d23f613443133fecbbd90a3512ca5"),
        (.zip, "90210-1234", "90210", "b83c588da0c6931625f42e0948054a3ade722bfd02c27816305742ed7390ac6c"),
        (.zip, "SW1A 1AA", "sw1a1aa", "830e1d4b9838bab1f5c2acdb23e0b502ff13a9832c4632e8d67a1d43d3b7f614"),
    ]

    @Test(arguments: vectors)
    func normalizesAndHashesLikeTheReference(field: IdentifierField, raw: String, normalized: String, hash: String) {
        #expect(FacebookIdentifiers.normalize(field, raw, country: nil) == normalized)
        #expect(FacebookIdentifiers.prepare(field, raw, country: nil) == hash)
        #expect(IdentifierHashing.sha256Hex(normalized) == hash)
    }

    /// fb-py-sdk `test/unit.py` multi-key row [EXTERN_ID, FN, EMAIL, LN]: EXTERN_ID leaves in clear.
    @Test func sdkMultiKeyRow() {
        let test = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        let row = FacebookIdentifiers.row([.externalID, .firstName, .email, .lastName], columns: ["abc123def", "  TEST ", "test", "..test.."])
        #expect(row == ["abc123def", test, test, test])
    }
}

/// partners.md §8 "Anti-vectors" (and the §1.5 disagreements): outputs other tools produce that we must not.
@Suite struct FacebookAntiVectorTests {
    @Test func usZipKeepsOnlyFiveDigitsNotZipPlusFour() {
        // rudder: "94035-1234" → "940351234"; Meta: first 5 digits.
        #expect(FacebookIdentifiers.normalize(.zip, "94035-1234", country: nil) == "94035")
        #expect(FacebookIdentifiers.normalize(.zip, "94035-1234", country: "US") == "94035")
        #expect(FacebookIdentifiers.prepare(.zip, "94035-1234", country: "US") != IdentifierHashing.sha256Hex("940351234"))
    }

    @Test func madidIsNeverHashed() {
        // fb-py-sdk hashes MADID in the multi-key path; Meta says do not hash it.
        let madid = "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"
        #expect(FacebookIdentifiers.prepare(.mobileAdvertiserID, madid, country: nil) == "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
        #expect(FacebookIdentifiers.prepare(.mobileAdvertiserID, madid, country: nil) != IdentifierHashing.sha256Hex("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"))
    }

    @Test func externalIDIsNeverHashed() {
        #expect(FacebookIdentifiers.prepare(.externalID, "  User-42  ", country: nil) == "User-42")
    }

    @Test func emailKeepsGmailDotsAndPlus() {
        // Google strips them (§8 Google row); Meta says no, and seg TikTok's all-dots removal is an anti-vector.
        #expect(FacebookIdentifiers.normalize(.email, "j.o.h.n+alias@gmail.com", country: nil) == "j.o.h.n+alias@gmail.com")
    }

    @Test func emailIsLowerCasedBeforeHashing() {
        // seg hashes the email as given; Meta wants it trimmed and lower-cased.
        #expect(FacebookIdentifiers.prepare(.email, "Mary@Example.com", country: nil)
            == "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79")
    }

    @Test func countryNameBecomesISONotRunTogether() {
        // seg: "United States" → "unitedstates", which is not ISO.
        #expect(FacebookIdentifiers.normalize(.country, "United States", country: nil) == "us")
        #expect(FacebookIdentifiers.normalize(.country, "Narnia", country: nil) == "")
    }

    @Test func unknownGenderIsNotGuessedAsMale() {
        // rudder maps everything that is not f/female to m.
        for raw in ["other", "x", "unknown", "non-binary", "?"] {
            #expect(FacebookIdentifiers.normalize(.gender, raw, country: nil) == "", "\(raw)")
        }
    }

    @Test func namesKeepNonLatinLetters() {
        // fb-py-sdk's [^a-zA-Z] filter drops them; Meta allows UTF-8 letters in FN and LN.
        #expect(FacebookIdentifiers.normalize(.firstName, "Valéry", country: nil) == "valéry")
        #expect(FacebookIdentifiers.normalize(.lastName, "정", country: nil) == "정")
    }

    @Test func phoneDropsLeadingZeros() {
        // fb-py-sdk keeps them; Meta: "Remove … any leading zeroes".
        #expect(FacebookIdentifiers.normalize(.phone, "0015559876543", country: nil) == "15559876543")
    }

    @Test func emptyIsNeverHashed() {
        // seg would hash or error on "" from "+0000000000".
        let emptyHash = IdentifierHashing.sha256Hex("")
        for field in FacebookIdentifiers.fields {
            for raw in ["", "   ", "\t", "+0000000000", "---"] {
                let out = FacebookIdentifiers.prepare(field, raw, country: "US")
                #expect(out != emptyHash, "\(field) \(raw)")
            }
        }
        #expect(FacebookIdentifiers.prepare(.phone, "+0000000000", country: "US") == "")
    }
}
