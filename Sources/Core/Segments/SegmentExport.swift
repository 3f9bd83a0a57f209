import Foundation

/// A user field a segment can be exported by: one new Facebook audience per field (seed: Facebook Audience Export).
public enum ExportField: String, CaseIterable, Sendable, Codable {
    case idfa, phone, email

    /// The field's name on the export form.
    public var label: String {
        switch self {
        case .idfa: "Device IDFA"
        case .phone: "Phone number"
        case .email: "Email"
        }
    }

    /// The identifier Facebook matches it as.
    public var identifier: IdentifierField {
        switch self {
        case .idfa: .mobileAdvertiserID
        case .phone: .phone
        case .email: .email
        }
    }

    /// What leaves for this field of a profile: normalized and hashed by Facebook's rules, "" when the profile has
    /// no usable value (it is then skipped and counted, never sent). Only the IDFA counts for "Device IDFA".
    public func prepared(_ profile: ProfileIdentifiers) -> String {
        let only: ProfileIdentifiers
        switch self {
        case .idfa: only = ProfileIdentifiers(country: profile.country, idfa: profile.idfa)
        case .phone: only = ProfileIdentifiers(phone: profile.phone, country: profile.country)
        case .email: only = ProfileIdentifiers(email: profile.email, country: profile.country)
        }
        return FacebookIdentifiers.row([identifier], from: only)[0]
    }

    /// The schema of an export upload: the field's key, then the columns Facebook wants with every row (Limited
    /// Data Use).
    public var schema: [String] {
        ([identifier] + FacebookIdentifiers.alwaysSent).map(FacebookIdentifiers.schemaKey)
    }

    /// The upload row for a profile, laid out as ``schema``, or nil when the profile has no usable value for the
    /// field (it is then skipped and counted, never sent).
    public func row(_ profile: ProfileIdentifiers) -> [String]? {
        let value = prepared(profile)
        guard !value.isEmpty else { return nil }
        return [value] + FacebookIdentifiers.row(FacebookIdentifiers.alwaysSent, from: profile)
    }

    /// The audience name the form suggests: "<segment> — <field> — <date>".
    public func defaultAudienceName(segment: String, on date: Date) -> String {
        "\(segment) — \(label) — \(UTCDate(date).day)"
    }
}

/// Where an export stands.
public enum ExportStatus: String, Sendable, Codable {
    /// Started: audiences are being created and users sent.
    case running
    /// Every audience has every eligible user.
    case done
    /// Stopped by a problem someone must fix (the reason is kept and emailed).
    case failed
}

/// One export of a segment to new Facebook custom audiences.
public struct SegmentExport: Sendable, Equatable {
    public let id: Int64
    public let workspaceID: Int64
    /// The segment (nil once deleted; the name and criteria below are kept as they were at the start).
    public let segmentID: Int64?
    public let segmentName: String
    /// The segment's criteria when the export started: an export is a snapshot.
    public let criteriaJSON: String
    /// The newest profile row at the start; later profiles are not part of the snapshot.
    public let lastProfileRow: Int64
    /// The Facebook ad account (`act_…`).
    public let adAccountID: String
    public let startedBy: Int64?
    public let startedAt: Date
    public let finishedAt: Date?
    public let status: ExportStatus
    /// Why it failed, in the partner's words.
    public let error: String?
    /// How many users the segment had at the start (the progress bars' total).
    public let total: Int
    /// One audience per field, in the form's order.
    public let audiences: [ExportAudience]

    /// Creates a value (the store makes them).
    public init(id: Int64, workspaceID: Int64, segmentID: Int64?, segmentName: String, criteriaJSON: String, lastProfileRow: Int64,
                adAccountID: String, startedBy: Int64?, startedAt: Date, finishedAt: Date?, status: ExportStatus, error: String?,
                total: Int, audiences: [ExportAudience]) {
        self.id = id; self.workspaceID = workspaceID; self.segmentID = segmentID; self.segmentName = segmentName
        self.criteriaJSON = criteriaJSON; self.lastProfileRow = lastProfileRow; self.adAccountID = adAccountID
        self.startedBy = startedBy; self.startedAt = startedAt; self.finishedAt = finishedAt; self.status = status
        self.error = error; self.total = total; self.audiences = audiences
    }

    /// The key that makes creating audience `field` at Facebook idempotent across crashes.
    public func creationKey(_ field: ExportField) -> String { "segment export \(id) \(field.rawValue)" }
}

/// One audience of an export and how far it got.
public struct ExportAudience: Sendable, Equatable {
    public let field: ExportField
    public let name: String
    /// The Facebook audience id once created.
    public let audienceID: String?
    /// The last profile row handled: a resumed run continues after it.
    public let cursor: Int64
    /// Users sent and acknowledged, users without the field, users Facebook refused.
    public let sent: Int
    public let skipped: Int
    public let failed: Int
    /// Users the workspace's consent policy kept back (never sent).
    public let skippedNoConsent: Int
    /// Whether every user of the snapshot has been handled.
    public let isComplete: Bool

    /// Creates a value.
    public init(field: ExportField, name: String, audienceID: String?, cursor: Int64, sent: Int, skipped: Int, failed: Int,
                skippedNoConsent: Int = 0, isComplete: Bool) {
        self.field = field; self.name = name; self.audienceID = audienceID; self.cursor = cursor
        self.sent = sent; self.skipped = skipped; self.failed = failed; self.skippedNoConsent = skippedNoConsent; self.isComplete = isComplete
    }

    /// Users handled so far (the progress bar's value).
    public var handled: Int { sent + skipped + failed + skippedNoConsent }
}
