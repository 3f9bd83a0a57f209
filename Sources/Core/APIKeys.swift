/// Workspace API keys: high-entropy bearer secrets, shown once, stored only as SHA-256 digests.
public enum APIKeyRules {
    /// Every key starts with this, so a leaked key is recognizable (and scannable) as ours.
    public static let prefix = "as_"

    /// A new key: the prefix and 240 random bits.
    public static func make() -> String { prefix + SecureToken.make(byteCount: 30) }

    /// What the dashboard shows of a key after creation: its first characters.
    public static func displayPrefix(_ key: String) -> String { String(key.prefix(prefix.count + 6)) + "…" }

    /// Why a key name is refused, or nil.
    public static func nameProblem(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "Give the key a name, such as the system that will use it." }
        if trimmed.count > 80 { return "Use at most 80 characters." }
        return TextRules.controlCharacterProblem(trimmed)
    }
}

import Foundation
