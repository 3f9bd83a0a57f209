import ArgumentParser

/// The one binary: the dashboard, the partner sandbox, and the admin tools.
@main
struct AudienceSync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audiencesync",
        abstract: "Sync first-party users into ad platforms' custom audiences.",
        subcommands: [Serve.self, SandboxCommand.self, Migrate.self, Admin.self, NginxConfig.self, HashCommand.self, RoutesCommand.self, BackupCommand.self,
                      RestoreDrill.self, RotateKey.self])
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "A settings file of AUDIENCESYNC_NAME=value lines (default: ./audiencesync.env when present).")
    var config: String?
}
