import Core
import Foundation
import Testing

/// `audiencesync hash` end to end: the real executable, real standard input and output.
@Suite struct HashCommandTests {
    static let fullSchema = "EMAIL,PHONE,FN,LN,CT,ST,ZIP,COUNTRY,GEN,DOBY,DOBM,DOBD,MADID,EXTERN_ID"

    /// partners.md §8 Meta rows laid out in the full schema: the raw row, then the exact expected row.
    static let rows: [([String], [String])] = [
        (["mary@example.com", "+1 (650) 555-1212", "  John  ", "O'Brien", "New York", "California", "90210-1234", "US", "male",
          " 1990 ", "january", " 05 ", "AB1234CD-E123-12FG-J123", "abc123def"],
         ["f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79",
          "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
          "96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a",
          "b4cb6cb33fe4b865868de825023a1e2790dc12ac01ecc8d7c5afe8254071c8ba",
          "350c754ba4d38897693aa077ef43072a859d23f613443133fecbbd90a3512ca5",
          "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126",
          "b83c588da0c6931625f42e0948054a3ade722bfd02c27816305742ed7390ac6c",
          "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
          "62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a",
          "a7be8e1fe282a37cd666e0632b17d933fa13f21addf4798fc0455bc166e2488c",
          "938db8c9f82c8cb58d3f3ef4fd250036a48d26a712753d2fde5abd03a85cabf4",
          "c97550ce8213ef5cf6ed4ba48790c137df3ef6a5da20b48961001a634b6cead2",
          "ab1234cd-e123-12fg-j123", "abc123def"]),
        (["  Test@Example.COM  ", "+001-800-555-1234", "Anne-Marie", "", "", "", "", "U.S.", "female", "", "", "", "", ""],
         ["973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b",
          "655dbe4f7591d8ffe8c86b433ed53aa325b40e1be892167ae2e17118da8279c9",
          "67495eb5715de43c26f7c18b25cc7f62a7540236516bd59d5162a6f743598083", "", "", "", "",
          "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
          "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111", "", "", "", "", ""]),
        (["add1@test.com", "+1 (800) 555-1234", "", "", "", "", "SW1A 1AA", "", "", "", "", "", "", ""],
         ["effe3148356c0668f1f2c19e9be26544dd7882baf23c863bdceabf5dc30ab769",
          "655dbe4f7591d8ffe8c86b433ed53aa325b40e1be892167ae2e17118da8279c9", "", "", "", "",
          "830e1d4b9838bab1f5c2acdb23e0b502ff13a9832c4632e8d67a1d43d3b7f614", "", "", "", "", "", "", ""]),
        (["add2@test.com", "0044 207 123 4567", "", "", "", "", "", "", "", "", "", "", "", ""],
         ["4e695ab9c3779ecd2e487ba8707aec6371ff8953513bca0a6da8d4ade768f62d",
          "7832ae034a3179d5f2260e4bec5b6b1756ade7bf4ced1f6fc7a8040529fd9e57", "", "", "", "", "", "", "", "", "", "", "", ""]),
        (["remove1@test.com", "00919876543210", "", "", "", "", "", "", "", "", "", "", "", ""],
         ["839277c6f396d28d375f8a65ae5d9f0d5e54925d7503767c9d7e0f239bfce56b",
          "92b5072176e723878b5e06ff3ca61898e4eb74e8c46642a0f2db800b17364ab0", "", "", "", "", "", "", "", "", "", "", "", ""]),
        (["remove2@test.com", "+1 555 987 6543", "", "", "", "", "", "", "", "", "", "", "", ""],
         ["8b0a92ab0ddc9e3f90d866912c856eec340390f665e029506ab740ef95c2c75a",
          "1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e", "", "", "", "", "", "", "", "", "", "", "", ""]),
    ]

    @Test func everyFacebookVectorOfPartnersMdLeavesWithItsExactHash() throws {
        let input = Self.rows.map { $0.0.joined(separator: "\t") + "\n" }.joined()
        let result = try HashCLI.run(["--partner", "facebook", "--schema", Self.fullSchema], input: input)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == Self.rows.map { $0.1.joined(separator: "\t") + "\n" }.joined())
    }

    @Test func sdkVectorsInASingleColumnIncludingALastLineWithoutNewline() throws {
        let result = try HashCLI.run(["--partner", "facebook", "--schema", "EMAIL"], input: "  test  \ntest\r\n..test..")
        let test = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        #expect(result.stdout == "\(test)\n\(test)\n\(test)\n")
    }

    @Test func emptyInEmptyOut() throws {
        let result = try HashCLI.run(["--partner", "facebook", "--schema", Self.fullSchema], input: "")
        #expect(result.status == 0)
        #expect(result.stdout == "")
    }

    @Test func defaultSchemaIsEveryFacebookKey() throws {
        let raw = ["mary@example.com", "", "", "", "J.", "", "", "", "", "", "", "", "", "", "x"]
        let result = try HashCLI.run(["--partner", "facebook"], input: raw.joined(separator: "\t") + "\n")
        let columns = result.stdout.dropLast().split(separator: "\t", omittingEmptySubsequences: false)
        #expect(result.status == 0)
        #expect(columns.count == 15)
        #expect(columns.first == "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79")
        #expect(columns[4] == "189f40034be7a199f1fa9891668ee3ab6049f82d38c68be70f596eab2e1857b7")   // sha256("j")
        #expect(columns.last == "x")
    }

    @Test func theLimitedDataUseColumnCanBeAskedForAndLeavesAsLDUOrEmpty() throws {
        let input = "mary@example.com\tldu\nmary@example.com\t\n"
        let result = try HashCLI.run(["--partner", "facebook", "--schema", "EMAIL,DATA_PROCESSING_OPTIONS"], input: input)
        #expect(result.status == 0)
        let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
        #expect(result.stdout == "\(mary)\tLDU\n\(mary)\t\n")
    }

    @Test func defaultCountryFillsPhoneCallingCodesUnlessTheRowHasACountry() throws {
        let input = "020 7946 0958\t\n020 7946 0958\tFR\n"
        let result = try HashCLI.run(["--partner", "facebook", "--schema", "PHONE,COUNTRY", "--country", "GB"], input: input)
        #expect(result.stdout == """
            35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823\t
            36cca9483f9650283a44400a40f5203185edbabf2ddfe92336f23c3d8e2ae25e\t67ad8f41a7bb0a18c45f3efd8f6a32bdcd832bcf8f3f2eb44006c03d53076e18

            """)   // sha256 of 442079460958, then of 332079460958 and "fr"
    }

    @Test func mismatchedRowStopsWithExitOneNamingItsLine() throws {
        let input = "mary@example.com\t+1 (650) 555-1212\nadd1@test.com\t+1 (800) 555-1234\nonly-one-column\nnever@read.com\t1\n"
        let result = try HashCLI.run(["--partner", "facebook", "--schema", "EMAIL,PHONE"], input: input)
        #expect(result.status == 1)
        #expect(result.stderr.contains("line 3"))
        #expect(result.stdout.split(separator: "\n").count == 2)   // rows before it were written
    }

    @Test func unknownSchemaKeyIsNamed() throws {
        let result = try HashCLI.run(["--partner", "facebook", "--schema", "EMAIL,PHONE_NUMBER"], input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("PHONE_NUMBER"))
        #expect(result.stdout == "")
    }

    @Test func unknownPartnerNamesTheSupportedOnes() throws {
        let result = try HashCLI.run(["--partner", "myspace", "--schema", "EMAIL"], input: "a@b.c\n")
        #expect(result.status != 0)
        #expect(result.stderr.contains("myspace"))
        let supported = IdentifierRulesCatalog.supported.map(\.rawValue).joined(separator: ", ")
        #expect(supported.hasPrefix("facebook, google") && result.stderr.contains("supported partners: \(supported)"))
        #expect(result.stdout == "")
    }

    @Test func unknownDefaultCountryIsRefused() throws {
        let result = try HashCLI.run(["--partner", "facebook", "--schema", "PHONE", "--country", "Narnia"], input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("Narnia"))
    }
}
