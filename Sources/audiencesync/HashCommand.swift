import ArgumentParser
import Core
import Foundation

/// `audiencesync hash`: what a privacy reviewer runs to see exactly what would leave for a partner.
/// Reads TAB-separated raw rows from standard input and writes them normalized and hashed, same columns,
/// one line per line read. Sends nothing anywhere. No `@main`: the real binary lists it as a subcommand.
struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Show exactly what would leave: normalize and hash identifier rows read from standard input.",
        discussion: """
            Each input line is one row of TAB-separated raw values in --schema order; each output line is the \
            same row as it would be uploaded (SHA-256 lower-hex, except ids the partner wants in clear). A row \
            with a different number of columns stops the command with exit code 1, naming its line.
            """)

    @Option(help: "The partner whose rules apply (supported: \(Self.supportedList)).")
    var partner: String

    @Option(help: "Comma-separated schema keys, in column order (default: all of the partner's keys; \(Self.keysByPartner)).")
    var schema: String?

    @Option(help: "ISO country (e.g. US) for rows without a recognized COUNTRY value: fills phone calling codes, US ZIP and state rules.")
    var country: String?

    func validate() throws {
        _ = try plan()
    }

    func run() throws {
        let plan = try plan()
        var lineNumber = 0
        // readLine streams: one line in memory at a time, whatever the input size.
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == plan.fields.count else {
                FileHandle.standardError.write(Data(plan.mismatch(line: lineNumber, columns: columns.count).utf8))
                throw ExitCode.failure
            }
            print(plan.rules.row(plan.fields, columns: columns, defaultCountry: country).joined(separator: "\t"))
        }
    }

    /// The partner's rules and the fields in column order, or the reason the options are unusable.
    private func plan() throws -> HashPlan {
        guard let id = PartnerID(rawValue: partner.lowercased()), let rules = IdentifierRulesCatalog.rules(for: id) else {
            throw ValidationError("unsupported partner '\(partner)'; supported partners: \(Self.supportedList)")
        }
        let keys = schema.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            ?? rules.fields.map(rules.schemaKey)
        let fields = try keys.map { key in
            guard let field = rules.field(forSchemaKey: key) else {
                let known = rules.fields.map(rules.schemaKey).joined(separator: ", ")
                throw ValidationError("unknown schema key '\(key)' for \(id.rawValue); known keys: \(known)")
            }
            return field
        }
        if let repeated = fields.first(where: { field in fields.filter { $0 == field }.count > 1 }) {
            throw ValidationError("schema key '\(rules.schemaKey(repeated))' appears more than once")
        }
        if let country, !rules.recognizes(country: country) {
            throw ValidationError("unknown --country '\(country)'; give an ISO 3166-1 code such as US or GB")
        }
        return HashPlan(rules: rules, fields: fields)
    }

    private static var supportedList: String {
        IdentifierRulesCatalog.supported.map(\.rawValue).joined(separator: ", ")
    }

    /// "facebook: EMAIL,PHONE,…; tiktok: EMAIL_SHA256,…".
    private static var keysByPartner: String {
        IdentifierRulesCatalog.supported.compactMap { partner in
            IdentifierRulesCatalog.rules(for: partner).map { rules in "\(partner.rawValue): " + rules.fields.map(rules.schemaKey).joined(separator: ",") }
        }.joined(separator: "; ")
    }
}

/// Validated options: whose rules, and which field each column holds.
private struct HashPlan {
    let rules: any IdentifierRules.Type
    let fields: [IdentifierField]

    func mismatch(line: Int, columns: Int) -> String {
        let keys = fields.map(rules.schemaKey).joined(separator: ",")
        return "Error: line \(line) has \(columns) column(s), but the schema \(keys) has \(fields.count)\n"
    }
}
