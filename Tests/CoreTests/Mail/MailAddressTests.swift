import Core
import Testing

// Typed tables: as literals inside `@Test(arguments:)` they take the type checker too long.

private let validAddresses: [String] = [
    "ops@example.com",
    "first.last+tag@sub.example.co.uk",
    "o'brien!#$%&*/=?^_`{|}~-@example.com",
    "root@localhost",
    "x@a-b.example",
    String(repeating: "a", count: 64) + "@example.com",
    String(repeating: "a", count: 64) + "@" + String(repeating: "b.", count: 93) + "com",  // 254 in all
]

private let invalidAddresses: [(String, MailFormatError)] = [
    ("", .emptyAddress),
    ("ops.example.com", .missingAtSign),
    ("@example.com", .missingAtSign),
    ("ops@", .missingAtSign),
    (String(repeating: "a", count: 65) + "@example.com", .localPartTooLong),
    (String(repeating: "a", count: 64) + "@" + String(repeating: "b.", count: 94) + "com", .addressTooLong),
    ("a b@example.com", .invalidLocalPart),
    ("ops\r\nBcc: x@example.com", .invalidLocalPart),
    ("ops@example.com\r\nBcc: x@example.com", .invalidLocalPart),
    ("o\nps@example.com", .invalidLocalPart),
    ("<ops@example.com>", .invalidLocalPart),
    ("ops@example.com>", .invalidDomain),
    ("Ops <ops@example.com>", .invalidLocalPart),
    (".ops@example.com", .invalidLocalPart),
    ("ops.@example.com", .invalidLocalPart),
    ("o..ps@example.com", .invalidLocalPart),
    ("\"quoted\"@example.com", .invalidLocalPart),
    ("a@b@example.com", .invalidLocalPart),
    ("jörg@example.com", .invalidLocalPart),
    ("ops@exämple.com", .invalidDomain),
    ("ops@-example.com", .invalidDomain),
    ("ops@example-.com", .invalidDomain),
    ("ops@example..com", .invalidDomain),
    ("ops@example.com.", .invalidDomain),
    ("ops@[127.0.0.1]", .invalidDomain),
    ("ops@exa_mple.com", .invalidDomain),
    ("ops@" + String(repeating: "a", count: 64) + ".com", .invalidDomain),
]

struct MailAddressTests {
    @Test(arguments: validAddresses)
    func validAddressesAreAccepted(address: String) throws {
        let mailbox = try MailAddress(address)
        #expect(mailbox.address == address)
        #expect(mailbox.displayName == nil)
    }

    @Test(arguments: invalidAddresses)
    func invalidAddressesAreRefused(address: String, expected: MailFormatError) {
        #expect(throws: expected) { try MailAddress(address) }
    }

    @Test func emptyDisplayNameCountsAsNone() throws {
        #expect(try MailAddress("ops@example.com", displayName: "").displayName == nil)
        #expect(try MailAddress("ops@example.com", displayName: "Ops").displayName == "Ops")
    }

    @Test func errorDescriptionsDoNotRepeatTheInput() {
        #expect(MailFormatError.invalidDomain.description == "email address domain is not a valid host name")
        #expect(MailFormatError.noRecipients.description == "message has no recipients")
    }
}
