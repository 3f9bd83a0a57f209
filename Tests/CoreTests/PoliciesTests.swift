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

@Suite struct ProfileValidationTests {
    let today = Date(timeIntervalSince1970: 1_800_000_000)   // 2027-01-15

    func errors(_ json: String) -> [String] {
        ProfileValidation.validate(JSONValue.parse(Array(json.utf8))!, index: 0, today: today).errors.map(\.field)
    }

    @Test func acceptsWellFormedStandardAttributes() {
        #expect(errors(#"{"external_id":"u1","email":"a.b+c@example.co.uk","phone":"+44 (20) 7946-0958","gender":"p","dob":"2000-02-29","country":"gb","idfa":"6032D997-3AB0-4DE0-AA16-8AF0E5B482FB","ads_tracking_enabled":false,"custom":[1,"x",true]}"#) == [])
    }

    static let bad: [(String, String)] = [
        (#"{"external_id":"u","email":"a@b"}"#, "email"), (#"{"external_id":"u","email":"a b@c.co"}"#, "email"),
        (#"{"external_id":"u","phone":"call me"}"#, "phone"), (#"{"external_id":"u","phone":"123"}"#, "phone"),
        (#"{"external_id":"u","dob":"1899-12-31"}"#, "dob"), (#"{"external_id":"u","dob":"2027-01-16"}"#, "dob"),
        (#"{"external_id":"u","dob":"2001-02-29"}"#, "dob"), (#"{"external_id":"u","dob":"01/02/2000"}"#, "dob"),
        (#"{"external_id":"u","country":"Narnia"}"#, "country"), (#"{"external_id":"u","gender":"yes"}"#, "gender"),
        (#"{"external_id":"u","gaid":"not-a-uuid"}"#, "gaid"), (#"{"external_id":"u","ads_tracking_enabled":2}"#, "ads_tracking_enabled"),
        (#"{"external_id":"u","nested":{"a":1}}"#, "nested"), (#"{"external_id":"u","$bad":1}"#, "$bad"),
        (#"{"external_id":"  "}"#, "external_id"), (#"{"external_id":7}"#, "external_id"),
    ]

    @Test(arguments: bad)
    func refusesWithTheFieldNamed(json: String, field: String) { #expect(errors(json) == [field]) }

    @Test func booleansAreNotNumbers() throws {
        let object = try #require(JSONValue.parse(Array(#"{"t":true,"one":1,"zero":0}"#.utf8))?.members)
        #expect(object["t"]?.canonicalText == "true")
        #expect(object["one"]?.canonicalText == "1")
        #expect(object["zero"]?.canonicalText == "0")
        #expect(errors(#"{"external_id":"u","country":"gb"}"#) == [] && errors(#"{"external_id":"u","country":"UK"}"#) == [])
    }
}
