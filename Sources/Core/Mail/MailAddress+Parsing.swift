import Foundation

extension MailAddress {
    /// Reads a setting such as `AudienceSync <alerts@example.com>` or `alerts@example.com`.
    public static func mailbox(_ text: String) throws(MailFormatError) -> MailAddress {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else { return try MailAddress(trimmed) }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
        return try MailAddress(address, displayName: name.isEmpty ? nil : name)
    }
}
