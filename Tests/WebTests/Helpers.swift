import FastCGI
import Foundation
import TestSupport
import Testing

/// Signs `email` in, connects Facebook through the sandbox's consent page, and selects `accounts`.
func connectFacebook(_ test: TestApp, _ sandbox: SandboxClient, as email: String, accounts: [String]) throws -> TestBrowser {
    let browser = test.browser()
    browser.signIn(email)
    browser.get("/partners/facebook")
    let location = try #require(browser.post("/partners/facebook/connect").header("Location"))
    let callback = try sandbox.consent(authorizationURL: location)
    browser.get(path(of: callback), query: queryPairs(of: callback))
    browser.get("/partners/facebook/accounts")
    browser.post("/partners/facebook/accounts", accounts.map { ("account", $0) })
    return browser
}

/// The id at the end of a redirect such as `/canvases/12` or `/canvases/12/steps/30`.
func trailingID(_ response: Response) -> Int64? {
    response.header("Location").flatMap { $0.split(separator: "/").last }.flatMap { Int64($0.split(separator: "?")[0]) }
}
