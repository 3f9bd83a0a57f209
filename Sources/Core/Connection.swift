import Foundation

/// How a partner token was obtained.
public enum TokenKind: String, Sendable, Codable {
    /// Through the partner's OAuth consent flow.
    case oauth
    /// Pasted by an admin (e.g. a Facebook Business Manager system-user token).
    case systemUser = "system_user"
}

/// The health of a connection's token as last checked.
public enum ConnectionStatus: String, Sendable, Codable {
    /// The partner accepted the token at the last check.
    case valid
    /// The partner rejected the token (expired, revoked, password changed…); a person must reconnect.
    case invalid
}

/// A workspace's connection to one partner: the (encrypted) token and what we know of its health.
public struct Connection: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// The owning workspace.
    public let workspaceID: Int64
    /// Which partner.
    public let partner: PartnerID
    /// OAuth or pasted system-user token.
    public let tokenKind: TokenKind
    /// The AES-GCM sealed token (see ``TokenBox``); never shown anywhere.
    public let sealedToken: [UInt8]
    /// When the token expires, if it does.
    public let expiresAt: Date?
    /// Valid or invalid at the last check.
    public let status: ConnectionStatus
    /// Why it is invalid, in the partner's words (never containing the token).
    public let statusMessage: String?
    /// The partner-side identity the token acts as ("Demo User").
    public let partnerUserName: String?
    /// The dashboard user who connected it (nil if that user was deleted).
    public let connectedByUserID: Int64?
    /// When it was connected.
    public let connectedAt: Date
    /// When its health was last checked against the partner.
    public let checkedAt: Date?
    /// The sealed refresh token, for partners that issue one; nil otherwise.
    public let sealedRefreshToken: [UInt8]?
    /// When the refresh token stops working, where the partner says (a person must reconnect before then).
    public let refreshExpiresAt: Date?

    /// Creates a value.
    public init(id: Int64, workspaceID: Int64, partner: PartnerID, tokenKind: TokenKind, sealedToken: [UInt8], expiresAt: Date?,
                status: ConnectionStatus, statusMessage: String?, partnerUserName: String?, connectedByUserID: Int64?,
                connectedAt: Date, checkedAt: Date?, sealedRefreshToken: [UInt8]? = nil, refreshExpiresAt: Date? = nil) {
        self.sealedRefreshToken = sealedRefreshToken; self.refreshExpiresAt = refreshExpiresAt
        self.id = id; self.workspaceID = workspaceID; self.partner = partner; self.tokenKind = tokenKind
        self.sealedToken = sealedToken; self.expiresAt = expiresAt; self.status = status; self.statusMessage = statusMessage
        self.partnerUserName = partnerUserName; self.connectedByUserID = connectedByUserID; self.connectedAt = connectedAt
        self.checkedAt = checkedAt
    }

    /// The context string sealed tokens are bound to, so a ciphertext copied to another row does not open.
    public static func tokenContext(workspaceID: Int64, partner: PartnerID) -> String { "connection:\(workspaceID):\(partner.rawValue)" }

    /// The context refresh tokens are sealed to (distinct from the access token's, so the two cannot be swapped).
    public static func refreshTokenContext(workspaceID: Int64, partner: PartnerID) -> String {
        tokenContext(workspaceID: workspaceID, partner: partner) + ":refresh"
    }

    /// The date that ends this connection unless someone acts: the refresh token's expiry where there is a
    /// refresh token (the access token renews itself until then), else the access token's.
    public var reconnectBy: Date? { sealedRefreshToken != nil ? refreshExpiresAt : expiresAt }
}

/// An ad account as the partner lists it.
public struct RemoteAdAccount: Sendable, Equatable {
    /// The partner's id (`act_1001` for Facebook).
    public let externalID: String
    /// The account's name.
    public let name: String
    /// ISO currency code, when given.
    public let currency: String?
    /// Whether the partner reports the account active.
    public let isActive: Bool
    /// Whether the custom-audience terms are accepted; nil when the partner has no such notion.
    public let termsAccepted: Bool?
    /// What the partner reports about the account, in its own terms (``AccountFacts``).
    public let facts: [AccountFact]

    /// Creates a value from loose flags (no facts: tests and partners that report nothing).
    public init(externalID: String, name: String, currency: String?, isActive: Bool, termsAccepted: Bool?) {
        self.externalID = externalID; self.name = name; self.currency = currency; self.isActive = isActive; self.termsAccepted = termsAccepted
        facts = []
    }

    /// Creates a value from the partner's facts: it is active unless a status or role fact stops syncing, and its terms
    /// are those of its terms fact (nil when the partner has none).
    public init(externalID: String, name: String, currency: String?, facts: [AccountFact]) {
        self.externalID = externalID; self.name = name; self.currency = currency; self.facts = facts
        isActive = !facts.contains { $0.blocksSync && $0.kind != .terms }
        termsAccepted = facts.first { $0.kind == .terms }.map { !$0.blocksSync }
    }
}

/// An ad account a workspace chose to sync to, with its last known health.
public struct SelectedAdAccount: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// The connection it belongs to.
    public let connectionID: Int64
    /// The partner's id (`act_1001`).
    public let externalID: String
    /// The name at the last check.
    public let name: String
    /// Currency at the last check.
    public let currency: String?
    /// Terms accepted at the last check (nil: unknown or not applicable).
    public let termsAccepted: Bool?
    /// Whether the token could still reach the account at the last check.
    public let isAccessible: Bool
    /// When it was last checked.
    public let checkedAt: Date?
    /// The partner's facts at the last check.
    public let facts: [AccountFact]

    /// Creates a value.
    public init(id: Int64, connectionID: Int64, externalID: String, name: String, currency: String?, termsAccepted: Bool?,
                isAccessible: Bool, checkedAt: Date?, facts: [AccountFact] = []) {
        self.id = id; self.connectionID = connectionID; self.externalID = externalID; self.name = name; self.currency = currency
        self.termsAccepted = termsAccepted; self.isAccessible = isAccessible; self.checkedAt = checkedAt; self.facts = facts
    }
}
