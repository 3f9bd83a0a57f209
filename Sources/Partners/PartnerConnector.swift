import Core
import Foundation

/// A token obtained from a partner, with what the partner said about it.
public struct PartnerToken: Sendable, Equatable {
    /// The token itself. Seal it before storing; never log it.
    public let value: String
    /// When it expires; nil for tokens that do not expire (system users).
    public let expiresAt: Date?
    /// Who the token acts as at the partner ("Demo User").
    public let partnerUserName: String?
    /// The refresh token, where the partner issues one (Google, Pinterest, Snapchat, Criteo, LinkedIn). Seal it
    /// before storing; never log it.
    public let refreshToken: String?
    /// When the refresh token stops working, when the partner says (LinkedIn: a year from the first grant).
    public let refreshExpiresAt: Date?
    /// Creates a value.
    public init(value: String, expiresAt: Date?, partnerUserName: String?, refreshToken: String? = nil, refreshExpiresAt: Date? = nil) {
        self.value = value; self.expiresAt = expiresAt; self.partnerUserName = partnerUserName
        self.refreshToken = refreshToken; self.refreshExpiresAt = refreshExpiresAt
    }
}

/// A token's health as the partner reports it.
public struct TokenHealth: Sendable, Equatable {
    /// Whether the partner accepts the token.
    public let isValid: Bool
    /// Its expiry, if any.
    public let expiresAt: Date?
    /// Why it is not valid, in the partner's words.
    public let problem: String?
    /// Creates a value.
    public init(isValid: Bool, expiresAt: Date?, problem: String?) { self.isValid = isValid; self.expiresAt = expiresAt; self.problem = problem }
}

/// What the dashboard needs from a partner to connect it: consent URL, code exchange, pasted tokens, health,
/// and the ad accounts a token reaches. One implementation per partner.
public protocol PartnerConnector: AudienceDirectory, AudienceUploader {
    /// The partner this connector speaks to.
    var partner: PartnerID { get }
    /// The consent page URL for a flow with this `state`. `codeVerifier` is the flow's PKCE verifier (RFC 7636);
    /// partners that use PKCE (Google) send its S256 challenge, the others ignore it.
    func authorizationURL(redirectURI: String, state: String, codeVerifier: String) -> String
    /// Exchanges the callback's code for the longest-lived token the partner grants (with its refresh token, if any).
    func completeAuthorization(code: String, redirectURI: String, codeVerifier: String, now: Date) throws(PartnerError) -> PartnerToken
    /// A new access token from a refresh token. The answer may carry a new refresh token, which replaces the old one.
    /// A refused refresh token (`invalid_grant`) is ``PartnerError/authInvalid(message:)``.
    func refresh(refreshToken: String, now: Date) throws(PartnerError) -> PartnerToken
    /// Whether an admin may paste a token instead of the consent flow (Facebook system users, TikTok long-term tokens).
    var acceptsPastedToken: Bool { get }
    /// Checks a pasted token against the partner before it is stored.
    func validatePastedToken(_ token: String, now: Date) throws(PartnerError) -> PartnerToken
    /// Asks the partner whether a stored token still works.
    func inspect(token: String, now: Date) throws(PartnerError) -> TokenHealth
    /// Every ad account the token can reach.
    func adAccounts(token: String) throws(PartnerError) -> [RemoteAdAccount]
    /// Where a person accepts the custom-audience terms for an account, when the partner has such terms.
    func termsURL(accountExternalID: String) -> String?
}

extension PartnerConnector {
    /// The consent URL of a flow without PKCE.
    public func authorizationURL(redirectURI: String, state: String) -> String {
        authorizationURL(redirectURI: redirectURI, state: state, codeVerifier: "")
    }

    /// The code exchange of a flow without PKCE.
    public func completeAuthorization(code: String, redirectURI: String, now: Date) throws(PartnerError) -> PartnerToken {
        try completeAuthorization(code: code, redirectURI: redirectURI, codeVerifier: "", now: now)
    }

    /// Partners without refresh tokens: a token that no longer works needs a person to reconnect.
    public func refresh(refreshToken: String, now: Date) throws(PartnerError) -> PartnerToken {
        throw .authInvalid(message: "\(partner.rawValue): this partner issues no refresh tokens; reconnect it")
    }

    /// Only partners that say so take pasted tokens.
    public var acceptsPastedToken: Bool { false }

    /// Refuses pasted tokens.
    public func validatePastedToken(_ token: String, now: Date) throws(PartnerError) -> PartnerToken {
        throw .authInvalid(message: "\(partner.rawValue): connect through the partner's sign-in instead of pasting a token")
    }

    /// No terms page.
    public func termsURL(accountExternalID: String) -> String? { nil }
}

/// An audience as the partner lists it.
public struct RemoteAudience: Sendable, Equatable {
    /// The partner's id.
    public let id: String
    /// Its name.
    public let name: String
    /// Its description, where AudienceSync leaves its creation marker.
    public let description: String?
    /// The partner's approximate size, when it reports one.
    public let approximateSize: Int?
    /// Creates a value.
    public init(id: String, name: String, description: String?, approximateSize: Int?) {
        self.id = id; self.name = name; self.description = description; self.approximateSize = approximateSize
    }
}

/// What launching a canvas needs of a partner: the audiences of an account, and creating one.
public protocol AudienceDirectory: Sendable {
    /// Every audience of the ad account.
    func audiences(account: String, token: String) throws(PartnerError) -> [RemoteAudience]
    /// Creates an audience and returns its id; `marker` goes where the partner keeps a description.
    func createAudience(account: String, name: String, marker: String, token: String) throws(PartnerError) -> String
}

/// Creates a step's new audience at most once, whatever crashed in between.
public enum IdempotentAudienceCreation {
    /// The description marker for a creation key.
    public static func marker(_ key: String) -> String { "Created by AudienceSync for canvas step \(key)" }

    /// The audience carrying `key`'s marker if one exists already, else a new one.
    public static func ensure(_ directory: any AudienceDirectory, account: String, name: String, key: String,
                              existing: [RemoteAudience], token: String) throws(PartnerError) -> String {
        try ensure(directory, account: account, name: name, marker: marker(key), existing: existing, token: token)
    }

    /// The audience carrying `marker` (a description written only by AudienceSync) if one exists, else a new one.
    public static func ensure(_ directory: any AudienceDirectory, account: String, name: String, marker: String,
                              existing: [RemoteAudience], token: String) throws(PartnerError) -> String {
        if let found = existing.first(where: { $0.description == marker }) { return found.id }
        return try directory.createAudience(account: account, name: name, marker: marker, token: token)
    }
}

/// What a partner said of an upload.
public struct UploadReceipt: Sendable, Equatable {
    /// Rows the partner received.
    public let received: Int
    /// Rows it judged invalid (an estimate at Facebook).
    public let invalid: Int
    /// Creates a value.
    public init(received: Int, invalid: Int) { self.received = received; self.invalid = invalid }
}

/// An audience's size as the partner estimates it.
public struct AudienceSize: Sendable, Equatable {
    /// At least this many people (Facebook's `approximate_count_lower_bound`).
    public let lower: Int
    /// At most this many.
    public let upper: Int
    /// Creates a value.
    public init(lower: Int, upper: Int) { self.lower = lower; self.upper = upper }
}

/// Adds users to, or removes them from, a partner audience.
public protocol AudienceUploader: Sendable {
    /// The most users one call may carry.
    var maxUsersPerRequest: Int { get }
    /// Sends prepared rows (one entry per schema key, `""` where unknown).
    func upload(audienceID: String, action: AudienceAction, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt
    /// The audience's estimated size, or nil where the partner does not give one.
    func audienceSize(audienceID: String, token: String) throws(PartnerError) -> AudienceSize?
}

/// A partner that can take people out of every customer-list audience of an ad account in one call (Meta's
/// `usersofanyaudience`): one call instead of one per audience when a withdrawn or erased user is in several.
public protocol AccountWideRemover: Sendable {
    /// Removes the rows' people from every customer-list audience of `account`.
    func removeFromEveryAudience(account: String, schema: [String], rows: [[String]], token: String) throws(PartnerError) -> UploadReceipt
}
