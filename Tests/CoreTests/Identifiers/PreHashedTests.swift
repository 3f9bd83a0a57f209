import Core
import Testing

/// A value that already is a SHA-256 digest (64 hex digits) is sent as given, lower-cased, for every partner whose
/// rule hashes email or phone (partners.md §1.5 "Pre-hashed detection"): Meta and Google accept pre-hashed values,
/// and hashing the digest again would match no one.
@Suite struct PreHashedTests {
    static let digest = IdentifierHashing.sha256Hex("mary@example.com")

    /// Every (partner, field) where the partner's rule SHA-256-hashes email or phone.
    static let hashedContactFields: [(PartnerID, IdentifierField)] = IdentifierRulesCatalog.supported.flatMap { partner in
        let rules = IdentifierRulesCatalog.rules(for: partner)!
        return [IdentifierField.email, .phone].filter { rules.fields.contains($0) && rules.isHashed($0) }.map { (partner, $0) }
    }

    @Test func everyPartnerThatHashesEmailOrPhoneIsCovered() {
        #expect(Set(Self.hashedContactFields.filter { $0.1 == .email }.map(\.0)).count >= 5)
        #expect(Self.hashedContactFields.contains { $0.0 == .facebook && $0.1 == .phone })
        #expect(Self.hashedContactFields.contains { $0.0 == .google && $0.1 == .phone })
    }

    @Test(arguments: hashedContactFields)
    func aPreHashedValuePassesThroughLowerCased(partner: PartnerID, field: IdentifierField) {
        let rules = IdentifierRulesCatalog.rules(for: partner)!
        for raw in [Self.digest, Self.digest.uppercased(), "  " + Self.digest + " "] {
            #expect(rules.prepare(field, raw, country: "US") == Self.digest, "\(partner) \(field)")
        }
        // 63 or 65 hex digits are not a digest: normalized and hashed like any other value, so never sent as given.
        #expect(rules.prepare(field, String(Self.digest.dropLast()), country: "US") != String(Self.digest.dropLast()))
    }
}
