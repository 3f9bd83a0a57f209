import Foundation
import Testing

/// `audiencesync hash --partner tiktok|linkedin`: the real executable, what would leave for each.
@Suite struct TikTokLinkedInHashTests {
    @Test func tiktokDefaultSchemaHashesEveryColumn() throws {
        let input = "testing@testing.com\t+1 (650) 555-1212\t4242\n\t\t\n"
        let result = try HashCLI.run(["--partner", "tiktok"], input: input)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == """
            584c4423c421df49955759498a71495aba49b8780eb9387dff333b6f0982c777\t\
            1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8\t\
            0315b4020af3eccab7706679580ac87a710d82970733b8719e70af9b57e7b9e6
            \t\t

            """)   // sha256 of testing@testing.com, +16505551212, 4242
    }

    @Test func tiktokPhoneTakesTheDefaultCountry() throws {
        let result = try HashCLI.run(["--partner", "tiktok", "--schema", "PHONE_SHA256", "--country", "GB"], input: "020 7946 0958\n")
        #expect(result.status == 0)
        #expect(result.stdout == "f0bf0228144d9fe2bdf1da2d8ca698f17bf1410ee688b075c27062e47b6f0b6d\n")   // sha256("+442079460958")
    }

    @Test func linkedinHashesTheEmailAndKeepsTheGAIDInClear() throws {
        let result = try HashCLI.run(["--partner", "linkedin", "--schema", "SHA256_EMAIL,GOOGLE_AID"],
                                     input: " Test@Example.COM \tF81D4FAE-7DEC-11D0-A765-00A0C91E6BF6\n")
        #expect(result.status == 0)
        #expect(result.stdout == "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b\tf81d4fae-7dec-11d0-a765-00a0c91e6bf6\n")
    }

    @Test func facebookKeysAreNotTikToks() throws {
        let result = try HashCLI.run(["--partner", "tiktok", "--schema", "EMAIL"], input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("EMAIL_SHA256"))
    }
}
