import Foundation
import Testing

/// `audiencesync hash --partner google`: Data Manager keys, region and postal code in clear, consent as enum values.
@Suite struct GoogleHashCommandTests {
    @Test func googleVectorsLeaveWithTheirExactValues() throws {
        let schema = "EMAIL_ADDRESS,PHONE_NUMBER,GIVEN_NAME,FAMILY_NAME,REGION_CODE,POSTAL_CODE,AD_USER_DATA,AD_PERSONALIZATION"
        let input = [
            ["Cloudy.SanFrancisco+shopping@gmail.com", "+1 800 5550101", " Mr. Alex ", " Quinn, Jr. ", " uS ", "94045", "true", "false"],
            ["j.o.h.n+alias@gmail.com", "3234567890", "", "", "US", "", "", "granted"],
        ].map { $0.joined(separator: "\t") + "\n" }.joined()
        let result = try HashCLI.run(["--partner", "google", "--schema", schema], input: input)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) } == [
            ["223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4",
             "61d6c2976b5d92b1ad63073a12fddd26040cd980067d03a93dd1cc50f1a3ac68",
             "4135aa9dc1b842a653dea846903ddb95bfb8c5a10c504a7fa16e10bc31d1fdf0",
             "c512ca0c5c1e71be19f3356821e56732b5fb3ac894b0dbc5846d0b6920106fb3", "US", "94045", "CONSENT_GRANTED", "CONSENT_DENIED"],
            ["142d78e466cacab37c3751a6ba0d288ce40db609ce9c49617ea6b24665f1aa9c",
             "0506a1f3f4c515fd310fce54d253b731f71e33e7e7d2b10848528ca4411120b0", "", "", "US", "", "", "CONSENT_GRANTED"],
        ])
    }
}
