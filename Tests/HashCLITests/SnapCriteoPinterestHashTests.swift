import Foundation
import Testing

/// `audiencesync hash --partner snapchat|criteo|pinterest`: partners.md §8 Snap vectors and the Criteo and
/// Pinterest rules, through the real executable.
@Suite struct SnapCriteoPinterestHashTests {
    static let email = "b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd"
    static let phone = "2fd199db6d3fa9fe754886ff1822f2867fcb104a6639495eca25c2978efe4ed4"
    static let maid = "30a5154b77ab8b2ddbe19f5e7af72f33cc2a4a41f22940d965102650a1c72863"

    @Test func everySnapVectorLeavesWithItsExactHash() throws {
        let input = """
            Person@email.com \t+1(706)-767-5127\tF81D4FAE-7DEC-11D0-A765-00A0C91E6BF6
            person@email.com\t001(706)-767-5127\tf81d4fae-7dec-11d0-a765-00a0c91e6bf6
            Person@email.com\t01(706)-767-5127\t

            """
        let result = try HashCLI.run(["--partner", "snapchat"], input: input)
        #expect(result.status == 0 && result.stderr == "")
        #expect(result.stdout == "\(Self.email)\t\(Self.phone)\t\(Self.maid)\n\(Self.email)\t\(Self.phone)\t\(Self.maid)\n\(Self.email)\t\(Self.phone)\t\n")
    }

    @Test func snapNationalPhonesTakeTheCountryOption() throws {
        let result = try HashCLI.run(["--partner", "snapchat", "--schema", "PHONE_SHA256", "--country", "US"], input: "(706) 767-5127\n")
        // Snapchat has no country field; `--country` still decides the calling code of national numbers.
        #expect(result.status == 0 && result.stdout == Self.phone + "\n")
    }

    @Test func criteoHashesTheEmailButNotTheMobileId() throws {
        let result = try HashCLI.run(["--partner", "criteo"], input: "Person@email.com \t F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6\n")
        #expect(result.status == 0)
        #expect(result.stdout == "\(Self.email)\tf81d4fae-7dec-11d0-a765-00a0c91e6bf6\n")
    }

    @Test func pinterestHashesBoth() throws {
        let result = try HashCLI.run(["--partner", "pinterest", "--schema", "MAID,EMAIL"], input: "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6\tPerson@email.com\n")
        #expect(result.status == 0)
        #expect(result.stdout == "\(Self.maid)\t\(Self.email)\n")
    }

    @Test func aKeyOfAnotherPartnerIsRefused() throws {
        let result = try HashCLI.run(["--partner", "snapchat", "--schema", "EMAIL"], input: "a@b.c\n")
        #expect(result.status != 0)
        #expect(result.stdout == "")
    }
}
