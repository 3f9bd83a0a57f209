import Core
import Foundation
import Testing

@Suite struct SessionPolicyTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    static let cases: [(Double, Double, Bool)] = [
        (29 * 60, 29 * 60, true),       // active, under idle
        (31 * 60, 31 * 60, false),      // idle 31 minutes
        (11 * 3600, 60, true),          // old but recently used
        (12 * 3600 + 1, 60, false),     // past the absolute limit even though active
    ]

    @Test(arguments: cases)
    func lifetime(age: Double, idle: Double, alive: Bool) {
        let now = start.addingTimeInterval(age)
        #expect(SessionPolicy().isAlive(createdAt: start, lastSeenAt: now.addingTimeInterval(-idle), now: now) == alive)
    }
}

@Suite struct OAuthStatePolicyTests {
    let issued = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func acceptsTheSameSessionAndPartnerWithinTenMinutes() {
        #expect(OAuthStatePolicy.problem(issuedTo: "s1", partner: .facebook, issuedAt: issued, presentedBy: "s1", at: .facebook,
                                         now: issued.addingTimeInterval(599)) == nil)
    }

    @Test func refusesOtherSessionOtherPartnerAndExpired() {
        #expect(OAuthStatePolicy.problem(issuedTo: "s1", partner: .facebook, issuedAt: issued, presentedBy: "s2", at: .facebook, now: issued) == .otherSession)
        #expect(OAuthStatePolicy.problem(issuedTo: "s1", partner: .facebook, issuedAt: issued, presentedBy: "s1", at: .google, now: issued) == .otherPartner)
        #expect(OAuthStatePolicy.problem(issuedTo: "s1", partner: .facebook, issuedAt: issued, presentedBy: "s1", at: .facebook,
                                         now: issued.addingTimeInterval(601)) == .expired)
    }

    @Test func stateHasAtLeast128BitsAndIsUnique() {
        #expect(OAuthStatePolicy.byteCount * 8 >= 128)
        let states = Set((0..<1000).map { _ in SecureToken.make(byteCount: OAuthStatePolicy.byteCount) })
        #expect(states.count == 1000)
        #expect(states.allSatisfy { $0.count >= 43 && !$0.contains("=") && !$0.contains("+") && !$0.contains("/") })
    }
}

@Suite struct SignInThrottleTests {
    @Test func locksPerAccountAndPerAddress() {
        let throttle = SignInThrottle()
        #expect(!throttle.isLocked(accountFailures: 9, addressFailures: 29))
        #expect(throttle.isLocked(accountFailures: 10, addressFailures: 0))
        #expect(throttle.isLocked(accountFailures: 0, addressFailures: 30))
        // reliability.md A-5: at most 100 failed attempts an hour for an account.
        #expect(Double(throttle.maxFailuresPerAccount) * 3600 / throttle.window <= 100)
    }
}

@Suite struct AccountRulesTests {
    static let emails: [(String, Bool)] = [("a@b.co", true), ("A.B@example.com", true), ("no-at.example.com", false), ("a@b", false), ("a @b.co", false),
                      ("@b.co", false), ("a@.co", false), ("a@b.co.", false)]

    @Test(arguments: emails)
    func emailShape(email: String, plausible: Bool) { #expect(AccountRules.isPlausibleEmail(email) == plausible) }

    @Test func normalizesEmailAndChecksPasswords() {
        #expect(AccountRules.normalizeEmail("  Admin@Example.COM ") == "admin@example.com")
        #expect(AccountRules.passwordProblem("short") != nil)
        #expect(AccountRules.passwordProblem(String(repeating: "x", count: 12)) == nil)
        #expect(AccountRules.passwordProblem(String(repeating: "x", count: 513)) != nil)
        #expect(AccountRules.workspaceNameProblem("  ") != nil)
    }
}
