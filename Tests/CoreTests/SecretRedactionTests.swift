import Core
import Testing

@Suite struct SecretRedactionTests {
    /// Token shapes of the seven partners (as the sandbox issues them) are removed from partner messages.
    @Test(arguments: [
        "EAA1e0RktqIBp3Ka0GYXurVaAHdDekTLa8DRaa6anSP1mvj3hNIvGcLpTMCdm0alB6br53Fpv32aQYlluWtIbPl5kDTviEM7nO4bQ",
        "339cd0eba2c7a5d68143e465218f62bb3cc01227", "1//06jpXawkFD7HtVv4K7B-P20Cg6p7QCvYE-77Xh8-DUE-Xu1ai30dOplTWK5",
        "ya29.a00RZTwl--W3PZYYT6SO8SbOcUvwquiu1KOk0uFONFgjxhlWjvzEeKalPogKEz4ASGm", "snap-access-K3jLArFuUMPzTTOGrO4c1wE1CpO82PgInvtjcJ2l",
        "pina_5FU5SR3dGhOuwlkj5WReyoRUwM5tmPy12oY9GNZ3EMggqCw46KMzeqVp1vekec3l", "eyJhbGciOiJSUzI1NiJ9.SRS2RCr41AcLewGicomx2s8oDnezMejVuPrsk",
    ])
    func tokensAreRedacted(token: String) {
        let message = PartnerError.authInvalid(message: "Invalid OAuth access token: \(token). Get a new one.").message
        #expect(!message.contains(token.suffix(20)))
        #expect(message.hasPrefix("Invalid OAuth access token: ") && message.contains(SecretRedaction.placeholder) && message.hasSuffix("Get a new one."))
    }

    @Test func wordsAndIdsStayReadable() {
        let text = "(#100) The ad account act_1001 cannot use audience 23851234567890123 (customers/1234567890/userLists/42): terms not accepted"
        #expect(SecretRedaction.redact(text) == text)
    }
}
