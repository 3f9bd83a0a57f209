import Foundation

/// The `payload` (and optional `session`) of `POST|DELETE /<ca_id>/users`, validated by Graph's rules
/// (partners.md §1.4). Pure: no database, no clock.
struct AudiencePayload: Sendable {
    /// Schema keys, one per column.
    let schema: [String]
    /// Rows, each exactly `schema.count` values long.
    let rows: [[JSON]]
    /// The upload session the call belongs to, if any.
    let session: UploadSession?
}

/// `session: {session_id, batch_seq, last_batch_flag, estimated_num_total}`.
struct UploadSession: Sendable {
    let sessionID: String
    let batchSeq: Int?
    let lastBatch: Bool
}

/// What a payload amounts to once every value is checked.
struct PayloadEvaluation: Sendable {
    /// The member identity of each row that has one, in row order.
    var identities: [String] = []
    /// The identities whose row asked for Limited Data Use (`DATA_PROCESSING_OPTIONS` holding "LDU").
    var limitedDataUse: Set<String> = []
    /// Values in hashed columns that are not lowercase SHA-256 hex.
    var invalidEntries = 0
    /// Up to 100 samples, `row index → reason`.
    var samples: [(String, String)] = []
}

enum FacebookPayload {
    /// Schema keys Graph accepts: the multi-key names and the legacy single names.
    static let schemaKeys: Set<String> = [
        "EXTERN_ID", "EMAIL", "PHONE", "GEN", "DOBY", "DOBM", "DOBD", "LN", "FN", "FI", "CT", "ST", "ZIP", "MADID",
        "COUNTRY", "LOOKALIKE_VALUE", "APPUID", "PAGEUID", "DATA_PROCESSING_OPTIONS", "DATA_PROCESSING_OPTIONS_COUNTRY",
        "DATA_PROCESSING_OPTIONS_STATE", "EMAIL_SHA256", "PHONE_SHA256", "MOBILE_ADVERTISER_ID",
    ]
    /// Columns sent as they are; every other column must hold SHA-256 hex.
    static let unhashedKeys: Set<String> = [
        "EXTERN_ID", "MADID", "MOBILE_ADVERTISER_ID", "LOOKALIKE_VALUE", "APPUID", "PAGEUID",
        "DATA_PROCESSING_OPTIONS", "DATA_PROCESSING_OPTIONS_COUNTRY", "DATA_PROCESSING_OPTIONS_STATE",
    ]
    /// Columns that describe a row but do not identify a person.
    static let nonIdentifierKeys: Set<String> = [
        "LOOKALIKE_VALUE", "DATA_PROCESSING_OPTIONS", "DATA_PROCESSING_OPTIONS_COUNTRY", "DATA_PROCESSING_OPTIONS_STATE",
    ]
    /// A member is known by the first of these that holds a valid value, whatever the schema order.
    static let identityPriority: [[String]] = [["EMAIL", "EMAIL_SHA256"], ["PHONE", "PHONE_SHA256"],
                                                ["MADID", "MOBILE_ADVERTISER_ID"], ["EXTERN_ID"]]
    static let maxRows = 10_000
    static let maxSamples = 100

    /// Reads and checks `payload` and `session`; every problem is Graph's code 100.
    static func parse(_ params: GraphParams) throws(GraphError) -> AudiencePayload {
        guard let payload = params.json("payload"), payload != .null else { throw .invalidParameter("Missing parameter payload") }
        guard payload.isObject else { throw .invalidParameter("Param payload must be a JSON object") }

        let schema: [String]
        switch payload["schema"] {
        case .string(let key)?:
            schema = [key]
        case .array(let keys)? where !keys.isEmpty:
            schema = try keys.map { key throws(GraphError) in
                guard let s = key.stringValue else { throw .invalidParameter("Invalid schema key: \(key.plainText)") }
                return s
            }
        default:
            throw .invalidParameter("Missing parameter schema")
        }
        for key in schema where !schemaKeys.contains(key) {
            throw .invalidParameter("Invalid schema key: \(key)")
        }

        guard let dataValue = payload["data"], dataValue != .null else { throw .invalidParameter("Missing parameter data") }
        guard let data = dataValue.arrayValue else { throw .invalidParameter("Param data must be an array") }
        guard !data.isEmpty else { throw .invalidParameter("Missing parameter data") }
        guard data.count <= maxRows else {
            throw .invalidParameter("Too many users in the payload: at most \(maxRows) per request")
        }
        var rows: [[JSON]] = []
        rows.reserveCapacity(data.count)
        for item in data {
            if let cells = item.arrayValue {
                guard cells.count == schema.count else { throw .invalidParameter("Data is missing or does not match schema") }
                rows.append(cells)
            } else if schema.count == 1 {
                // A single schema takes a flat list; `[["x"], …]` is accepted too (above).
                rows.append([item])
            } else {
                throw .invalidParameter("Data is missing or does not match schema")
            }
        }
        try checkDataProcessingOptions(schema: schema, rows: rows)
        return AudiencePayload(schema: schema, rows: rows, session: try parseSession(params.json("session")))
    }

    /// The options Meta knows in a `DATA_PROCESSING_OPTIONS` column (partners.md §1.4).
    static let dataProcessingOptions: Set<String> = ["LDU"]
    /// The schema key of the data processing options column.
    static let dataProcessingOptionsKey = "DATA_PROCESSING_OPTIONS"

    /// The positions of the data processing options columns in `schema` (none, or one).
    private static func optionColumns(_ schema: [String]) -> [Int] { schema.indices.filter { schema[$0] == dataProcessingOptionsKey } }

    /// Each `DATA_PROCESSING_OPTIONS` value must be an array of known options: `["LDU"]`, or `[]` for none. A string,
    /// a number or an unknown option fails the whole call, as Graph rejects a malformed payload.
    private static func checkDataProcessingOptions(schema: [String], rows: [[JSON]]) throws(GraphError) {
        let columns = optionColumns(schema)
        guard !columns.isEmpty else { return }
        for (index, row) in rows.enumerated() {
            for column in columns {
                guard let items = row[column].arrayValue else {
                    throw .invalidParameter("Invalid data_processing_options in row \(index): expected an array such as [\"LDU\"] or [], got \(row[column].plainText)")
                }
                for item in items where !(item.stringValue.map(dataProcessingOptions.contains) ?? false) {
                    throw .invalidParameter("Invalid data_processing_options in row \(index): unknown option \(item.plainText); known options: LDU")
                }
            }
        }
    }

    /// Whether a row's data processing options (`columns`, already checked) ask for Limited Data Use.
    private static func asksLimitedDataUse(_ row: [JSON], columns: [Int]) -> Bool {
        columns.contains { (row[$0].arrayValue ?? []).contains(.string("LDU")) }
    }

    private static func parseSession(_ value: JSON?) throws(GraphError) -> UploadSession? {
        guard let value, value != .null else { return nil }
        guard value.isObject, let idValue = value["session_id"], idValue.intValue != nil || (idValue.stringValue.map { !$0.isEmpty } ?? false)
        else { throw .invalidParameter("Param session must be an object with a session_id") }
        var batchSeq: Int?
        if let seq = value["batch_seq"], seq != .null {
            guard let n = seq.intValue ?? seq.stringValue.flatMap({ Int($0) }), n >= 1 else {
                throw .invalidParameter("Param session.batch_seq must be a positive integer")
            }
            batchSeq = n
        }
        let last = value["last_batch_flag"]?.boolValue ?? (value["last_batch_flag"]?.stringValue == "true")
        return UploadSession(sessionID: idValue.plainText, batchSeq: batchSeq, lastBatch: last)
    }

    /// Checks every value and derives each row's member identity. A hashed column's non-empty value that
    /// is not `^[a-f0-9]{64}$` is an invalid entry; a row with no valid identifier adds no member.
    static func evaluate(_ payload: AudiencePayload) -> PayloadEvaluation {
        var result = PayloadEvaluation()
        let schema = payload.schema
        let optionColumns = optionColumns(schema)   // found once: the loop below runs for up to 10,000 rows
        for (index, row) in payload.rows.enumerated() {
            var valid: [String: String] = [:]
            var identifierParts: [String] = []
            var sampled = false
            for (column, key) in schema.enumerated() {
                let value = row[column] == .null ? "" : row[column].plainText
                guard !value.isEmpty else { continue }
                if !unhashedKeys.contains(key), !isSHA256Hex(value) {
                    result.invalidEntries += 1
                    if !sampled, result.samples.count < maxSamples {
                        result.samples.append((String(index), "Invalid value in column \(key): expected a lowercase SHA-256 hex digest (64 characters)"))
                        sampled = true
                    }
                    continue
                }
                if valid[key] == nil { valid[key] = value }
                if !nonIdentifierKeys.contains(key) { identifierParts.append("\(key)=\(value)") }
            }
            let identity = identityPriority.lazy.compactMap({ keys in keys.lazy.compactMap { valid[$0] }.first }).first
                ?? (identifierParts.isEmpty ? nil : identifierParts.joined(separator: "|"))
            guard let identity else { continue }
            result.identities.append(identity)
            if !optionColumns.isEmpty, asksLimitedDataUse(row, columns: optionColumns) { result.limitedDataUse.insert(identity) }
        }
        return result
    }

    /// `^[a-f0-9]{64}$`.
    static func isSHA256Hex(_ s: String) -> Bool {
        let bytes = s.utf8
        return bytes.count == 64 && bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
