import Core
import Foundation
import Testing

/// `audiencesync hash` leaves a value that already is a SHA-256 digest as it is (lower-cased) for email and phone,
/// for every partner whose rule hashes them: what a reviewer sees is what the sync sends.
@Suite struct PreHashedHashTests {
    @Test func preHashedEmailAndPhoneComeOutAsGiven() throws {
        let email = IdentifierHashing.sha256Hex("mary@example.com"), phone = IdentifierHashing.sha256Hex("16505551212")
        for partner in IdentifierRulesCatalog.supported {
            let rules = try #require(IdentifierRulesCatalog.rules(for: partner))
            let fields = [IdentifierField.email, .phone].filter { rules.fields.contains($0) && rules.isHashed($0) }
            guard !fields.isEmpty else { continue }
            let schema = fields.map(rules.schemaKey).joined(separator: ",")
            let input = fields.map { $0 == .email ? email.uppercased() : " " + phone + " " }.joined(separator: "\t")
            let result = try HashCLI.run(["--partner", partner.rawValue, "--schema", schema], input: input + "\n")
            #expect(result.status == 0, "\(partner): \(result.stderr)")
            let expected = fields.map { $0 == .email ? email : phone }.joined(separator: "\t")
            // Google appends its consent columns after the chosen ones.
            let line = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
            #expect(line == expected || line.hasPrefix(expected + "\t"), "\(partner): \(line)")
        }
    }
}
