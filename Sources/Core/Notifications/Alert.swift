import Foundation

/// Who hears about a problem (seeds: Audience Sync error emails). Integration problems go to the person who
/// connected the partner, step problems to the person who launched the canvas; either falls back to the
/// workspace admins, and admins may add recipients per kind on the Notification Preferences page.
public enum AlertKind: String, Sendable, CaseIterable {
    /// The partner connection as a whole: invalid token, lost permission.
    case integration
    /// One Audience Sync step: audience gone, terms not accepted, users erroring.
    case step
    /// One segment export: removals from its audience (withdrawn consent, erasure) that Facebook kept refusing.
    case export

    /// The heading used on the Notification Preferences page.
    public var title: String {
        switch self {
        case .integration: "Partner integration errors"
        case .step: "Audience Sync step errors"
        case .export: "Segment export errors"
        }
    }

    /// Who is told without any preference set.
    public var defaultRecipients: String {
        switch self {
        case .integration: "the user who connected the partner (or the workspace admins if that user no longer exists)"
        case .step: "the user who launched the canvas (or the workspace admins if that user no longer exists)"
        case .export: "the user who started the export (or the workspace admins if that user no longer exists)"
        }
    }

    /// The kind for a sync problem's class, or nil when the class is routine (throttling, transient errors,
    /// removals waiting for a larger audience) and nobody needs to act.
    public static func of(errorClass: String) -> AlertKind? {
        switch errorClass {
        case "auth_invalid", "permission_denied", "token_expiring": .integration
        // A disconnected partner has no connection left to be about: the launcher hears it per step.
        case "audience_gone", "terms_not_accepted", "audience_missing", "step_incomplete", "connection_missing", "errored": .step
        default: nil
        }
    }
}

/// One distinct problem, raised when it starts and cleared when it ends; each edge is emailed once.
public struct Alert: Sendable, Equatable {
    /// Integration, step or export.
    public let kind: AlertKind
    /// The workspace it belongs to.
    public let workspaceID: Int64
    /// The connection (integration), the step (step) or the segment export (export) it is about.
    public let subjectID: Int64
    /// The problem's class, e.g. `audience_gone`.
    public let errorClass: String
    /// A one-line summary, e.g. "Facebook: the audience no longer exists".
    public let title: String
    /// The partner's message and what to do.
    public let detail: String
    /// The dashboard page where it can be fixed (absolute URL).
    public let link: String

    /// Creates a value.
    public init(kind: AlertKind, workspaceID: Int64, subjectID: Int64, errorClass: String, title: String, detail: String, link: String) {
        self.kind = kind; self.workspaceID = workspaceID; self.subjectID = subjectID; self.errorClass = errorClass
        self.title = title; self.detail = detail; self.link = link
    }

    /// Identifies the problem: the same class on the same subject is the same problem, however many batches hit it.
    public var key: String { "\(kind.rawValue):\(subjectID):\(errorClass)" }

    /// A one-line summary of a problem of class `errorClass` with `partner` at `place` (a canvas step, or the
    /// partner connection).
    public static func title(errorClass: String, partner: String, place: String) -> String {
        let what = switch errorClass {
        case "auth_invalid": "the \(partner) token is invalid"
        case "permission_denied": "permission at \(partner) was lost"
        case "token_expiring": "the \(partner) sign-in expires soon"
        case "audience_gone": "the \(partner) audience no longer exists"
        case "terms_not_accepted": "the ad account has not accepted \(partner)'s custom audience terms"
        case "errored": "users could not be synced to \(partner)"
        case "connection_missing": "\(partner) is disconnected"
        default: "users cannot be sent to \(partner)"
        }
        return "\(place): \(what)"
    }
}
