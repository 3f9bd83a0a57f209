import ArgumentParser
import Foundation
import Web

/// `audiencesync routes`: prints the dashboard's route table as JSON (method, path with `{id}` placeholders, who may
/// call it, whether it changes state). The security suite reads it so its CSRF and isolation matrices cover every
/// route the app really serves.
struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes",
        abstract: "Print the route table as JSON (method, path, access, state-changing).")

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(RouteTable.lines()))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
