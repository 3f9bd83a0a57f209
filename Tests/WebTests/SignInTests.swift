import Core
import FastCGI
import Foundation
import TestSupport
import Testing

@Suite struct SignInTests {
    let test: TestApp
    init() throws {
        test = try TestApp()
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
    }

    @Test func pagesNeedASignedInUser() {
        let browser = test.browser()
        #expect(browser.get("/").header("Location") == "/signin")
        let partners = browser.get("/partners/facebook")
        #expect(partners.status == 303)
        #expect(partners.header("Location") == "/signin?next=%2Fpartners%2Ffacebook")
        #expect(browser.get("/nowhere").status == 404)
    }

    @Test func signsInWithAFreshHttpOnlyLaxSession() {
        let browser = test.browser()
        browser.get("/signin")
        browser.setCookies(browser.cookies.merging(["as_session": "planted-by-an-attacker"]) { $1 })
        let response = browser.post("/signin", [("email", "Admin@Acme.test "), ("password", "correct horse battery"), ("next", "/partners/facebook")])
        #expect(response.status == 303)
        #expect(response.header("Location") == "/partners/facebook")
        let cookie = response.headerValues("Set-Cookie").first { $0.hasPrefix("as_session=") } ?? ""
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
        #expect(browser.cookies["as_session"] != "planted-by-an-attacker")
        #expect(browser.get("/partners").text.contains("admin@acme.test"))
    }

    @Test func httpsGetsASecureHostPrefixedCookie() {
        let browser = test.browser()
        browser.get("/signin")
        var request = Request(method: "POST", path: "/signin", headers: ["content-type": "application/x-www-form-urlencoded"],
                              body: Array(URLEncoding.encode([("_csrf", browser.lastCSRFToken ?? ""), ("email", "admin@acme.test"),
                                                              ("password", "correct horse battery")]).utf8), isHTTPS: true)
        request.cookies = browser.cookies
        let response = test.app.respond(to: request)
        let cookie = response.headerValues("Set-Cookie").first { $0.hasPrefix("__Host-as_session=") } ?? ""
        #expect(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"))
    }

    @Test func wrongPasswordAndUnknownAccountLookTheSame() {
        let wrong = test.browser().signIn("admin@acme.test", "not the password")
        let unknown = test.browser().signIn("nobody@acme.test", "not the password")
        #expect(wrong.status == 401 && unknown.status == 401)
        #expect(wrong.text.contains("That email and password do not match"))
        #expect(strip(wrong.text, "admin@acme.test") == strip(unknown.text, "nobody@acme.test"))
    }

    @Test func throttlesAfterRepeatedFailuresThenRecovers() {
        let browser = test.browser(address: "10.1.1.1")
        for _ in 0..<10 { browser.signIn("admin@acme.test", "wrong password!") }
        #expect(browser.signIn("admin@acme.test").status == 401)          // right password, still refused
        #expect(test.browser(address: "10.2.2.2").signIn("admin@acme.test").status == 401)  // per account, from anywhere
        test.clock.advance(15 * 60 + 1)
        #expect(browser.signIn("admin@acme.test").status == 303)
    }

    /// The owner signing in between a guesser's tries must not reset the guesser's count (reliability.md A-6: at most
    /// 10 evaluated failures per 15 minutes, so ≤ 40 per hour, per account).
    @Test func aSuccessfulSignInDoesNotResetTheAccountsFailures() {
        let guesser = test.browser(address: "10.3.3.3")
        for _ in 0..<9 { guesser.signIn("admin@acme.test", "wrong password!") }
        #expect(test.browser(address: "10.4.4.4").signIn("admin@acme.test").status == 303)
        guesser.signIn("admin@acme.test", "wrong password!")
        #expect(test.browser(address: "10.5.5.5").signIn("admin@acme.test").status == 401)
    }

    @Test func refusesASignInFormWithoutItsToken() {
        let browser = test.browser()
        browser.get("/signin")
        #expect(browser.post("/signin", [("email", "admin@acme.test"), ("password", "correct horse battery")], csrf: "forged").status == 403)
        #expect(test.browser().post("/signin", [("email", "admin@acme.test"), ("password", "correct horse battery")], csrf: "").status == 403)
    }

    @Test func sessionsEndWhenIdleOrTooOld() {
        let idle = test.browser()
        idle.signIn("admin@acme.test")
        test.clock.advance(29 * 60)
        #expect(idle.get("/partners").status == 200)
        test.clock.advance(31 * 60)
        #expect(idle.get("/partners").status == 303)

        let busy = test.browser()
        busy.signIn("admin@acme.test")
        for _ in 0..<35 {   // a page every 20 minutes for almost 12 hours
            test.clock.advance(20 * 60)
            #expect(busy.get("/partners").status == 200)
        }
        test.clock.advance(20 * 60 + 1)   // just past 12 hours (exactly 12 h may compute a hair under)
        #expect(busy.get("/partners").status == 303)
    }

    @Test func signOutEndsTheSessionOnTheServer() throws {
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        let stolen = browser.cookies
        browser.get("/partners")
        let out = browser.post("/signout")
        #expect(out.header("Location") == "/signin?notice=signed-out")
        let replay = test.browser()
        replay.setCookies(stolen)
        #expect(replay.get("/partners").status == 303)
    }

    /// A password or role change (`admin create-user --replace-existing`) ends every session the user had, on every
    /// device, and the old password stops working (reliability.md A-1).
    @Test func aPasswordOrRoleChangeEndsEveryOpenSession() throws {
        let laptop = test.browser(), phone = test.browser(address: "10.0.0.7")
        laptop.signIn("admin@acme.test")
        phone.signIn("admin@acme.test")
        #expect(laptop.get("/partners").status == 200 && phone.get("/partners").status == 200)
        let user = try #require(try test.store.user(email: "admin@acme.test"))
        try test.createUser(workspace: "Acme", email: "admin@acme.test", password: "a brand new passphrase", role: .member, replaceExisting: true)
        #expect(laptop.get("/partners").status == 303 && phone.get("/partners").status == 303)
        #expect(try test.store.user(email: "admin@acme.test")?.id == user.id)
        let again = test.browser()
        #expect(again.signIn("admin@acme.test").status == 401)
        #expect(again.signIn("admin@acme.test", "a brand new passphrase").status == 303)
        #expect(again.get("/settings/api-keys").status == 403)      // the new role holds at once
    }

    static let hostileNext = ["//evil.example", "https://evil.example/", "/\\evil.example", "/partners@evil.example", "javascript:alert(1)",
                              "/signin", "/%2F%2Fevil.example", " /partners", "/partners/facebook\r\nSet-Cookie: x=1"]

    @Test(arguments: hostileNext)
    func neverRedirectsOffSite(next: String) {
        let browser = test.browser()
        browser.get("/signin", query: [("next", next)])
        let response = browser.post("/signin", [("email", "admin@acme.test"), ("password", "correct horse battery"), ("next", next)])
        #expect(response.header("Location") == "/overview")
    }

    private func strip(_ page: String, _ email: String) -> String {
        page.replacingOccurrences(of: email, with: "").replacingOccurrences(of: #"value="[A-Za-z0-9_-]{43}""#, with: "", options: .regularExpression)
    }
}

@Suite struct LayoutTests {
    @Test func signedInPagesShowNavigationAndAWorkingSignOutForm() throws {
        let test = try TestApp()
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        let browser = test.browser()
        browser.signIn("admin@acme.test")
        let page = browser.get("/partners").text
        #expect(page.contains(#"<a href="/canvases">Canvases</a><a href="/segments">Segments</a><a href="/ledger">Sync ledger</a><a href="/partners" aria-current="page">Technology Partners</a><a href="/settings/api-keys">Settings</a>"#))
        #expect(page.contains(#"<form method="post" action="/signout""#))
        let missing = browser.get("/nowhere")
        #expect(missing.status == 404 && missing.text.contains("Technology Partners"))
    }
}

@Suite struct AddressThrottleTests {
    @Test func oneAddressTryingManyAccountsIsStopped() throws {
        let test = try TestApp()
        try test.createUser(workspace: "Acme", email: "real@acme.test")
        let attacker = test.browser(address: "203.0.113.9")
        for index in 0..<30 { attacker.signIn("guess\(index)@acme.test", "wrong password!") }
        #expect(attacker.signIn("real@acme.test").status == 401)
        // Another address is not affected, and the account itself has no failures.
        #expect(test.browser(address: "198.51.100.7").signIn("real@acme.test").status == 303)
    }
}
