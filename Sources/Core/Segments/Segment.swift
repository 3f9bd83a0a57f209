import Foundation

/// A saved group of users: entry-criteria filters over profile attributes, evaluated whenever it is used (its
/// size and sample on its page, "in segment" filters of canvases, exports), so it is never stale.
public struct Segment: Sendable, Equatable {
    /// The segment's id, unique in the installation.
    public let id: Int64
    /// The workspace it belongs to.
    public let workspaceID: Int64
    /// Its name, unique in the workspace.
    public let name: String
    /// Its filters as stored JSON (`EntryCriteria`); nil criteria when unreadable, and then it matches nobody.
    public let criteriaJSON: String
    /// Who created it.
    public let createdBy: Int64?
    /// When it was created and last changed.
    public let createdAt: Date
    public let updatedAt: Date
    /// How many profiles matched at the last count, and when it was taken; nil until the first count after a
    /// change of its filters (see `Store.recountSegment`).
    public let size: Int?
    public let sizeCountedAt: Date?

    /// Creates a segment value (the store makes them).
    public init(id: Int64, workspaceID: Int64, name: String, criteriaJSON: String, createdBy: Int64?, createdAt: Date, updatedAt: Date,
                size: Int? = nil, sizeCountedAt: Date? = nil) {
        self.id = id; self.workspaceID = workspaceID; self.name = name; self.criteriaJSON = criteriaJSON
        self.createdBy = createdBy; self.createdAt = createdAt; self.updatedAt = updatedAt
        self.size = size; self.sizeCountedAt = sizeCountedAt
    }

    /// Its criteria, or nil when the stored JSON cannot be read (callers fail closed: nobody is in it).
    public var criteria: EntryCriteria? { try? EntryCriteria(jsonText: criteriaJSON) }

    /// The first thing wrong with a segment name, or nil.
    public static func nameProblem(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "Give the segment a name." }
        if trimmed.count > 120 { return "Use at most 120 characters." }
        return TextRules.controlCharacterProblem(trimmed)
    }

    /// How many users a segment page shows as its sample.
    public static let sampleSize = 20
}
