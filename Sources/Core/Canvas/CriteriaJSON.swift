import Foundation

// The stored form of entry criteria: `{"groups":[[{"attribute":"ads_tracking_enabled","op":"is_true"}]]}`.
// Keys are sorted and `value` is left out when there is none, so equal criteria always store as equal text.
// Decoding is strict about operators: criteria written by a newer build (say with an "in segment" filter) must
// fail loudly in an older one, never be read as something else.

/// Why stored criteria JSON could not be read.
public enum CriteriaJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A filter names an operator this build does not know; `path` is like `groups[0][1].op`.
    case unknownOperator(String, path: String)
    /// The text is not criteria JSON at all: invalid JSON, a missing key or a wrong type.
    case malformed(String)

    /// The problem in plain words, for logs and error pages.
    public var description: String {
        switch self {
        case .unknownOperator(let name, let path):
            let known = FilterOperator.allCases.map(\.rawValue).joined(separator: ", ")
            return "Unknown filter operator \"\(name)\" at \(path); expected one of \(known)."
        case .malformed(let detail):
            return "Entry criteria JSON is malformed: \(detail)"
        }
    }
}

extension FilterOperator {
    /// Decodes an operator from its raw value, naming the unknown one and where it was (the default error
    /// only says the value was invalid).
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let known = FilterOperator(rawValue: name) else {
            throw CriteriaJSONError.unknownOperator(name, path: CriteriaJSONPath.text(decoder.codingPath))
        }
        self = known
    }
}

extension EntryCriteria {
    /// The criteria as compact JSON text with sorted keys, for storage.
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            // Only strings, arrays and enums are encoded; JSONEncoder fails only on non-finite floats.
            preconditionFailure("EntryCriteria cannot fail to encode: \(error)")
        }
    }

    /// Reads criteria stored by `jsonText()`, or throws a `CriteriaJSONError` saying what is wrong.
    ///
    /// This checks the shape only; call `problems()` for the editor's rules (a stored value is kept as it was).
    public init(jsonText: String) throws(CriteriaJSONError) {
        do {
            self = try JSONDecoder().decode(EntryCriteria.self, from: Data(jsonText.utf8))
        } catch let error as CriteriaJSONError {
            throw error
        } catch let error as DecodingError {
            throw .malformed(CriteriaJSONPath.describe(error))
        } catch {
            throw .malformed(String(describing: error))
        }
    }
}

/// Turns decoding errors into short, readable messages with paths like `groups[0][1].op`.
enum CriteriaJSONPath {
    /// A coding path as `groups[0][1].op`.
    static func text(_ path: [any CodingKey]) -> String {
        path.reduce(into: "") { text, key in
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
    }

    /// A coding path for a message, naming the top level when the path is empty.
    static func location(_ path: [any CodingKey]) -> String {
        let written = text(path)
        return written.isEmpty ? "the top level" : written
    }

    /// One decoding error in plain words.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \(text(context.codingPath + [key]))."
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(location(context.codingPath))."
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON." : "invalid value at \(location(context.codingPath))."
        @unknown default:
            return String(describing: error)
        }
    }
}
