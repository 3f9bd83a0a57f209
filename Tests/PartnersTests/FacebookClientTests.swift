import Core
import Foundation
import HTTPClient
import Partners
import TestSupport
import Testing

/// The Facebook client against the sandbox over real HTTP: what it sends, and how it reads the answers.
@Suite struct FacebookClientTests {
    let sandbox: SandboxStack
    let partner: SandboxClient
    let client: FacebookClient
    let token: String

    init() throws {
        sandbox = try SandboxStack()
        partner = SandboxClient(url: sandbox.url)
        let endpoints = PartnerEndpoints(authorizeURL: sandbox.url + "/facebook/www/v25.0/dialog/oauth",
                                         apiBaseURL: sandbox.url + "/facebook/graph/v25.0", clientID: SandboxStack.clientID,
                                         clientSecret: SandboxStack.clientSecret, termsURL: sandbox.url + "/tos?act={account}")
        client = FacebookClient(endpoints: endpoints, http: HTTPClient())
        token = try partner.systemUserToken()
    }

    @Test func oauthDanceGivesALongLivedTokenAndNeverPutsTheTokenInAURL() throws {
        let url = client.authorizationURL(redirectURI: SandboxStack.redirectURI, state: "s" + String(repeating: "x", count: 42))
        let callback = try partner.consent(authorizationURL: url)
        let code = try #require(FormValuesLite.value("code", in: callback))
        let now = Date()
        let connected = try client.completeAuthorization(code: code, redirectURI: SandboxStack.redirectURI, now: now)
        #expect(connected.partnerUserName == "Demo User")
        let expires = try #require(connected.expiresAt).timeIntervalSince(now)
        #expect(expires > 59 * 86_400 && expires < 61 * 86_400)

        let log = try partner.requests()
        let exchanges = log.filter { ($0["path"] as? String)?.hasSuffix("/oauth/access_token") == true }.map { $0["query"] as? [String: Any] ?? [:] }
        #expect(exchanges.count == 2)
        #expect(exchanges[0]["code"] as? String == code && exchanges[0]["redirect_uri"] as? String == SandboxStack.redirectURI)
        #expect(exchanges[1]["grant_type"] as? String == "fb_exchange_token")
        let me = try #require(log.last { ($0["path"] as? String)?.hasSuffix("/me") == true })
        let query = me["query"] as? [String: Any] ?? [:]
        #expect(query["access_token"] == nil)
        #expect(query["appsecret_proof"] as? String == client.appSecretProof(for: connected.value))
    }

    @Test func usedCodesAndPastedTokensAreCheckedAtTheSource() throws {
        let url = client.authorizationURL(redirectURI: SandboxStack.redirectURI, state: "state-state-state-state-state-state-state-1")
        let code = try #require(FormValuesLite.value("code", in: try partner.consent(authorizationURL: url)))
        _ = try client.exchangeCode(code, redirectURI: SandboxStack.redirectURI, now: Date())
        #expect(throws: PartnerError.self) { try client.exchangeCode(code, redirectURI: SandboxStack.redirectURI, now: Date()) }

        let pasted = try client.validatePastedToken(token, now: Date())
        #expect(pasted.expiresAt == nil && pasted.partnerUserName == "AudienceSync System User")
        #expect(throws: PartnerError.self) { try client.validatePastedToken("EAAbogus", now: Date()) }
    }

    @Test func listsEveryAdAccountAcrossPages() throws {
        try partner.call("POST", "/_sandbox/facebook/adaccounts", json: #"{"count":230}"#)
        let accounts = try client.adAccounts(token: token)
        #expect(accounts.count == 234)
        #expect(Set(accounts.map(\.externalID)).count == 234)
        #expect(accounts.first { $0.externalID == "act_1003" }?.termsAccepted == false)
        #expect(accounts.first { $0.externalID == "act_1001" }?.termsAccepted == true)
        // Facebook's own facts: the account status and the custom audience terms, nothing else.
        #expect(accounts.first { $0.externalID == "act_1001" }?.facts == [AccountFacts.facebookStatus(1), AccountFacts.facebookTerms(accepted: true)])
        let pending = try #require(accounts.first { $0.externalID == "act_1003" })
        #expect(pending.facts.blocking == AccountFacts.facebookTerms(accepted: false) && pending.isActive)
        let pages = try partner.requestPaths().filter { $0.hasSuffix("/me/adaccounts") }
        #expect(pages.count == 3)
    }

    @Test func readsADisabledAccountsStatusAndGraphRefusesItsAudiences() throws {
        let disabled = try #require(try client.adAccounts(token: token).first { $0.externalID == "act_1004" })
        #expect(disabled.facts == [AccountFacts.facebookStatus(2), AccountFacts.facebookTerms(accepted: true)] && disabled.facts.first?.value == "DISABLED")
        #expect(!disabled.isActive && disabled.termsAccepted == true)
        #expect(throws: PartnerError.self) { _ = try client.createCustomAudience(account: "act_1004", name: "x", description: nil, token: token) }
        // The knob turns it active as Facebook would: then audiences may be created.
        try partner.call("POST", "/_sandbox/accounts/health", json: #"{"partner":"facebook","account":"act_1004","value":"1"}"#)
        #expect(try client.adAccounts(token: token).first { $0.externalID == "act_1004" }?.isActive == true)
        #expect(!(try client.createCustomAudience(account: "act_1004", name: "x", description: nil, token: token)).isEmpty)
    }

    @Test func uploadsToAnAudienceOfADisabledAccountAreRefused() throws {
        let id = try client.createCustomAudience(account: "act_1001", name: "Before", description: nil, token: token)
        try partner.call("POST", "/_sandbox/accounts/health", json: #"{"partner":"facebook","account":"act_1001","value":"2"}"#)
        let email = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
        #expect(throws: PartnerError.permissionDenied(message: "")) {
            do { _ = try client.uploadUsers(audienceID: id, action: .add, schema: ["EMAIL"], rows: [[email]], token: token) }
            catch let error as PartnerError { throw error.withoutMessage }
        }
        #expect((try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any])?["member_count"] as? Int == 0)
    }

    @Test func createsAudiencesUploadsAndRemovesUsers() throws {
        let id = try client.createCustomAudience(account: "act_1001", name: "Loyal buyers", description: nil, token: token)
        #expect(try client.customAudiences(account: "1001", token: token).contains { $0.id == id && $0.name == "Loyal buyers" })
        let email = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"   // sha256("mary@example.com"), partners.md §8
        let result = try client.uploadUsers(audienceID: id, action: .add, schema: ["EMAIL", "MADID"],
                                            rows: [[email, "6032d997-3ab0-4de0-aa16-8af0e5b482fb"], ["not-a-hash", ""]], token: token)
        #expect(result.numReceived == 2 && result.numInvalidEntries == 1)
        let audience = try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any]
        #expect(audience?["members"] as? [String] == [email])

        // Below the remove threshold Facebook refuses removals: classified, not a generic failure.
        #expect(throws: PartnerError.audienceTooSmallToRemove(message: "")) {
            do { _ = try client.uploadUsers(audienceID: id, action: .remove, schema: ["EMAIL", "MADID"], rows: [[email, ""]], token: token) }
            catch let error as PartnerError { throw error.withoutMessage }
        }
        try partner.call("POST", "/_sandbox/facebook/config", json: #"{"remove_threshold":0}"#)
        _ = try client.uploadUsers(audienceID: id, action: .remove, schema: ["EMAIL", "MADID"], rows: [[email, ""]], token: token)
        #expect((try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any])?["member_count"] as? Int == 0)

        try client.deleteCustomAudience(id: id, token: token)
        #expect(throws: PartnerError.audienceGone(message: "")) {
            do { _ = try client.customAudience(id: id, token: token) } catch let error as PartnerError { throw error.withoutMessage }
        }
    }

    @Test func limitedDataUseLeavesAsMetasArrayAndTheSandboxRecordsIt() throws {
        let id = try client.createCustomAudience(account: "act_1001", name: "LDU buyers", description: nil, token: token)
        let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"   // sha256("mary@example.com")
        let other = IdentifierHashing.sha256Hex("other@example.com")
        let before = try partner.lastSequence()
        let result = try client.uploadUsers(audienceID: id, action: .add, schema: ["EMAIL", "DATA_PROCESSING_OPTIONS"],
                                            rows: [[mary, "LDU"], [other, ""]], token: token)
        #expect(result.numReceived == 2 && result.numInvalidEntries == 0)

        let upload = try #require(try partner.requests(since: before).last { ($0["path"] as? String)?.hasSuffix("/\(id)/users") == true })
        let body = try #require((upload["body"] as? String).flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        let data = try #require((body["payload"] as? [String: Any])?["data"] as? [[Any]])
        #expect(data.count == 2)
        #expect(data.first?.last as? [String] == ["LDU"])
        #expect(data.last?.last as? [String] == [])

        let audience = try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any]
        #expect(Set(audience?["members"] as? [String] ?? []) == [mary, other])
        #expect(audience?["ldu_members"] as? [String] == [mary])
    }

    @Test func aBatchWithoutLimitedDataUseLeavesTheOptionsColumnOut() throws {
        let id = try client.createCustomAudience(account: "act_1001", name: "Plain buyers", description: nil, token: token)
        let rows = ["a@example.com", "b@example.com"].map { [IdentifierHashing.sha256Hex($0), ""] }
        let before = try partner.lastSequence()
        #expect(try client.uploadUsers(audienceID: id, action: .add, schema: ["EMAIL", "DATA_PROCESSING_OPTIONS"], rows: rows, token: token).numReceived == 2)
        let upload = try #require(try partner.requests(since: before).last { ($0["path"] as? String)?.hasSuffix("/\(id)/users") == true })
        let body = try #require((upload["body"] as? String).flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        let payload = try #require(body["payload"] as? [String: Any])
        #expect(payload["schema"] as? [String] == ["EMAIL"] && payload["data"] as? [[String]] == rows.map { [$0[0]] })
        #expect(Set((try partner.call("GET", "/_sandbox/facebook/audiences/\(id)") as? [String: Any])?["members"] as? [String] ?? []) == Set(rows.map { $0[0] }))
    }

    @Test func refusesRowsThatDoNotFitBeforeSending() throws {
        let before = try partner.lastSequence()
        #expect(throws: PartnerError.self) {
            try client.uploadUsers(audienceID: "1", action: .add, schema: ["EMAIL", "PHONE"], rows: [["only-one"]], token: token)
        }
        let tooMany = Array(repeating: [String(repeating: "a", count: 64)], count: 10_001)
        #expect(throws: PartnerError.self) { try client.uploadUsers(audienceID: "1", action: .add, schema: ["EMAIL"], rows: tooMany, token: token) }
        #expect(try partner.lastSequence() == before)
    }

    @Test func classifiesTheSandboxsRealFailures() throws {
        // Terms not accepted on act_1003.
        #expect(throws: PartnerError.termsNotAccepted(message: "")) {
            do { _ = try client.createCustomAudience(account: "act_1003", name: "x", description: nil, token: token) }
            catch let error as PartnerError { throw error.withoutMessage }
        }
        // A 500 with Graph's transient code, then a malformed body.
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/me","share":1,"count":1,"status":500,"error":{"code":2,"type":"OAuthException","message":"An unexpected error has occurred."}}"#)
        #expect(throws: PartnerError.transient(message: "")) {
            do { _ = try client.me(token: token) } catch let error as PartnerError { throw error.withoutMessage }
        }
        try partner.call("POST", "/_sandbox/faults", json: #"{"partner":"facebook","path_contains":"/me","share":1,"count":1,"status":200,"raw_body":"{\"id\":"}"#)
        #expect(throws: PartnerError.transient(message: "")) {
            do { _ = try client.me(token: token) } catch let error as PartnerError { throw error.withoutMessage }
        }
        // The hourly call budget per ad account: 80003 with the time to regain access.
        try partner.call("POST", "/_sandbox/facebook/config", json: #"{"hourly_call_limit":1}"#)
        _ = try? client.customAudiences(account: "act_1002", token: token)
        do {
            _ = try client.customAudiences(account: "act_1002", token: token)
            _ = try client.customAudiences(account: "act_1002", token: token)
            Issue.record("the third call should have been throttled")
        } catch {
            guard case .throttled(let wait, _) = error else { Issue.record("\(error)"); return }
            #expect((wait ?? 0) >= 60)
        }
        // A revoked token.
        try partner.call("POST", "/_sandbox/facebook/tokens/revoke", json: #"{"all":true}"#)
        #expect(throws: PartnerError.authInvalid(message: "")) {
            do { _ = try client.me(token: token) } catch let error as PartnerError { throw error.withoutMessage }
        }
        #expect(try client.inspect(token: token, now: Date()).isValid == false)
    }
}

extension PartnerError {
    /// The same class with an empty message, to compare classes in `#expect(throws:)`.
    var withoutMessage: PartnerError {
        switch self {
        case .throttled(let wait, _): .throttled(retryAfter: wait, message: "")
        case .transient: .transient(message: "")
        case .authInvalid: .authInvalid(message: "")
        case .audienceGone: .audienceGone(message: "")
        case .termsNotAccepted: .termsNotAccepted(message: "")
        case .audienceTooSmallToRemove: .audienceTooSmallToRemove(message: "")
        case .invalidData(let rows, _): .invalidData(rows: rows, message: "")
        case .permissionDenied: .permissionDenied(message: "")
        case .permanent: .permanent(message: "")
        }
    }
}

/// Reads one query parameter of a URL.
enum FormValuesLite {
    static func value(_ name: String, in url: String) -> String? {
        guard let query = url.split(separator: "?", maxSplits: 1).last else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return String(parts[1]).removingPercentEncoding }
        }
        return nil
    }
}
