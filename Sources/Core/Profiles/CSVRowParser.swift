/// An incremental RFC 4180 CSV parser: bytes go in as they are read, complete rows come out with the offset just
/// after each, so an import can stop after any row and resume there with a fresh parser.
///
/// Quoted fields may hold commas, doubled quotes and line breaks; CR before LF is dropped; blank lines are
/// skipped. A row longer than `maxRowBytes` (most often an unclosed quote swallowing the file) stops the parse
/// with an error instead of growing without bound.
public struct CSVRowParser: Sendable {
    /// One complete row: its fields, and the byte offset just after it (where the next row starts).
    public struct Row: Sendable, Equatable {
        public let fields: [String]
        public let end: Int
    }

    /// Why parsing stopped.
    public enum Failure: Error, Equatable, Sendable {
        /// A row ran past `maxRowBytes` bytes; `start` is where it began.
        case rowTooLong(start: Int)
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var rowBytes = 0
    private var rowStart: Int
    /// The longest row accepted.
    public let maxRowBytes: Int

    /// A parser whose first byte is at offset `start` of the file.
    public init(start: Int = 0, maxRowBytes: Int = 1 << 20) {
        rowStart = start
        self.maxRowBytes = maxRowBytes
    }

    /// Parses `bytes`, which start at file offset `offset`; returns the rows they complete.
    public mutating func feed(_ bytes: ArraySlice<UInt8>, at offset: Int) throws(Failure) -> [Row] {
        var rows: [Row] = []
        var position = offset
        for byte in bytes {
            position += 1
            rowBytes += 1
            if rowBytes > maxRowBytes { throw .rowTooLong(start: rowStart) }
            switch state {
            case .fieldStart:
                switch byte {
                case 0x22: state = .quoted
                case 0x2C: endField()
                case 0x0A: endRow(at: position, into: &rows)
                case 0x0D: break
                default: field.append(byte); state = .unquoted
                }
            case .unquoted:
                switch byte {
                case 0x2C: endField()
                case 0x0A: endRow(at: position, into: &rows)
                case 0x0D: break
                default: field.append(byte)
                }
            case .quoted:
                if byte == 0x22 { state = .quoteInQuoted } else { field.append(byte) }
            case .quoteInQuoted:
                switch byte {
                case 0x22: field.append(0x22); state = .quoted
                case 0x2C: endField()
                case 0x0A: endRow(at: position, into: &rows)
                case 0x0D: break
                default: field.append(byte); state = .unquoted   // lenient: `"a"b` reads as `ab`
                }
            }
        }
        return rows
    }

    /// The last row when the file does not end with a line break (nil when nothing is pending).
    public mutating func finish(at offset: Int) -> Row? {
        guard !fields.isEmpty || !field.isEmpty || state == .quoted || state == .quoteInQuoted else { return nil }
        var rows: [Row] = []
        endRow(at: offset, into: &rows)
        return rows.first
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        state = .fieldStart
    }

    private mutating func endRow(at end: Int, into rows: inout [Row]) {
        endField()
        if !(fields.count == 1 && fields[0].isEmpty) { rows.append(Row(fields: fields, end: end)) }
        fields.removeAll(keepingCapacity: true)
        rowBytes = 0
        rowStart = end
    }
}
