import Foundation

/// A workspace: the unit that owns users, connections and everything built on them.
public struct Workspace: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// Unique name.
    public let name: String
    /// Creates a value.
    public init(id: Int64, name: String) { self.id = id; self.name = name }
}

/// What a dashboard user may do.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Manages partner connections, users and settings.
    case admin
    /// Builds and runs canvases; sees connections but cannot change them.
    case member
}

/// A person who signs in to the dashboard.
public struct DashboardUser: Sendable, Equatable {
    /// Row id.
    public let id: Int64
    /// The workspace the user belongs to.
    public let workspaceID: Int64
    /// Lower-cased email, unique across the installation.
    public let email: String
    /// The argon2id encoded hash.
    public let passwordHash: String
    /// Admin or member.
    public let role: Role
    /// Creates a value.
    public init(id: Int64, workspaceID: Int64, email: String, passwordHash: String, role: Role) {
        self.id = id; self.workspaceID = workspaceID; self.email = email; self.passwordHash = passwordHash; self.role = role
    }
}

/// Rules for account fields, shared by the CLI and the pages.
public enum AccountRules {
    /// The shortest password accepted.
    public static let minimumPasswordLength = 12
    /// The longest password accepted (argon2 input stays bounded).
    public static let maximumPasswordLength = 512

    /// Trims and lower-cases an email for storage and look-up.
    public static func normalizeEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Whether `email` has the shape `local@domain.tld` with no spaces.
    public static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              email.count <= 254, !email.contains(where: { $0.isWhitespace }) else { return false }
        return true
    }

    /// A message explaining why `password` is refused, or nil when it is acceptable.
    public static func passwordProblem(_ password: String) -> String? {
        if password.count < minimumPasswordLength { return "Use at least \(minimumPasswordLength) characters." }
        if password.utf8.count > maximumPasswordLength { return "Use at most \(maximumPasswordLength) bytes." }
        return nil
    }

    /// A message explaining why a workspace name is refused, or nil.
    public static func workspaceNameProblem(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "A workspace needs a name." }
        if trimmed.count > 80 { return "Use at most 80 characters." }
        return nil
    }
}
