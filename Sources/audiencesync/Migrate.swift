import ArgumentParser
import Storage

/// `audiencesync migrate`: creates the database or brings its schema up to date, then lists the migrations.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database schema.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let config = try Settings.load(options)
        try Settings.prepareDataDirectory(config)
        let store = try Store(path: config.databasePath, busyTimeout: Store.toolBusyTimeout)
        for name in try store.appliedMigrations() { print("applied \(name)") }
        print("database \(config.databasePath) is up to date (integrity: \(try store.integrityCheck()))")
    }
}
