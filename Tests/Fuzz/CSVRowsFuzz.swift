// libFuzzer entry for the CSV importer's parsing (Sources/Core/Profiles: `CSVRowParser`, `CSVProfiles`, and the
// `/users/track` rules every row goes through), built by scripts/fuzz-parsers.sh.
//
// Input: one byte choosing the chunk size, then the file. Properties checked beyond "no crash": the rows do not
// depend on how the file is cut into chunks (the importer reads 1 MiB at a time); row ends grow and stay inside
// the file; a fresh parser started at any row's end (a resumed import) reads exactly the rows that follow.
import Foundation

private let today = Date(timeIntervalSince1970: 1_795_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVRows(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let file = Array(bytes.dropFirst())
    let whole = parse(file, from: 0, chunk: max(1, file.count))
    let chunked = parse(file, from: 0, chunk: Int(first % 17) + 1)
    precondition(whole == chunked, "rows depend on the chunking")
    guard case .rows(let rows) = whole else { return 0 }
    var previous = 0
    for row in rows {
        precondition(row.end > previous && row.end <= file.count, "row end out of order or outside the file")
        previous = row.end
    }
    if let cut = rows.first, rows.count > 1 {
        precondition(parse(file, from: cut.end, chunk: 7) == .rows(Array(rows.dropFirst())), "a resumed parse reads other rows")
    }
    guard let headerRow = rows.first, case .success(let header) = CSVProfiles.header(headerRow.fields) else { return 0 }
    for (index, row) in rows.dropFirst().enumerated() {
        guard let object = CSVProfiles.object(row.fields, header: header) else { continue }
        let outcome = ProfileValidation.validate(.object(object), index: index + 2, today: today)
        if !outcome.errors.isEmpty { _ = outcome.update == nil ? CSVProfiles.reason(outcome.errors) : CSVProfiles.partialReason(outcome.errors) }
    }
    return 0
}

private enum Parsed: Equatable {
    case rows([CSVRowParser.Row])
    case tooLong(Int)
}

/// Parses `file[start...]` fed `chunk` bytes at a time, as `ProfileImporter` does with its reads.
private func parse(_ file: [UInt8], from start: Int, chunk: Int) -> Parsed {
    var parser = CSVRowParser(start: start, maxRowBytes: 4096)
    var rows: [CSVRowParser.Row] = []
    var position = start
    do {
        while position < file.count {
            let end = min(file.count, position + chunk)
            rows += try parser.feed(file[position..<end], at: position)
            position = end
        }
    } catch {
        if case .rowTooLong(let rowStart) = error { return .tooLong(rowStart) }
    }
    if let last = parser.finish(at: position) { rows.append(last) }
    return .rows(rows)
}
